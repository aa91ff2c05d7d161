//! An uploaded order history read by the worker's answer (`answer_parse_history`) comes back,
//! after its trip through an envelope, as exactly the history the page reads itself
//! (`read_history`), and a refused upload with exactly the page's words.

use instacart_reorder::order_history::upload::read_history;
use instacart_reorder::worker_protocol::{
    answer_parse_history, history_of_answer, PageMessage, WorkerMessage,
};

fn file(path: &str) -> (String, Vec<u8>) {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let name = path.rsplit('/').next().unwrap_or(path).to_owned();
    (name, std::fs::read(full).expect("fixture"))
}

fn through_envelope(files: &[(String, Vec<u8>)]) -> WorkerMessage {
    WorkerMessage::decode(answer_parse_history(files).encode()).expect("decodes")
}

#[test]
fn the_parse_request_survives_its_envelope() {
    let request = PageMessage::ParseHistory;
    assert_eq!(
        PageMessage::decode(&request.encode()).expect("decodes"),
        request
    );
}

#[test]
fn a_history_read_by_the_worker_is_the_history_the_page_reads() {
    for files in [
        vec![file("tests/fixtures/order_exports/orders.csv")],
        vec![file("tests/fixtures/order_exports/orders.json")],
        vec![file("tests/e2e/fixtures/uploads/order_lines_sample.csv")],
    ] {
        let here = read_history(&files).expect("the fixture reads");
        assert!(!here.shoppers.is_empty());
        let WorkerMessage::HistoryParsed { history_json } = through_envelope(&files) else {
            panic!("{} is read", files[0].0);
        };
        let there = history_of_answer(&history_json).expect("the answer reads");
        assert_eq!(there, here, "{}", files[0].0);
    }
    let export = read_history(&[file("tests/fixtures/order_exports/orders.tsv")]).expect("reads");
    let personal = export
        .export
        .expect("an export is told apart by its content");
    assert_eq!(export.shoppers, vec![personal.orders.clone()]);
}

#[test]
fn a_history_refused_by_the_worker_gets_the_pages_words() {
    let sample = file("tests/e2e/fixtures/uploads/order_lines_sample.csv");
    let cases: Vec<Vec<(String, Vec<u8>)>> = vec![
        vec![("orders_empty.csv".to_owned(), Vec::new())],
        vec![(
            "orders_binary.csv".to_owned(),
            b"order_id,user_id\n\xff\xff\n".to_vec(),
        )],
        vec![sample.clone(), sample.clone(), sample],
        vec![(
            "export.csv".to_owned(),
            b"order_id,order_date,item_name,product_id\n1,yesterday,milk,5\n".to_vec(),
        )],
    ];
    for files in cases {
        let expected = read_history(&files).expect_err("refused").to_string();
        assert!(
            expected.contains(&files[0].0) || files.len() == 3,
            "{expected}"
        );
        assert_eq!(
            through_envelope(&files),
            WorkerMessage::HistoryRefused { message: expected }
        );
    }
}
