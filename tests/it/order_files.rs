//! Your order history's pure parts: a joined order-lines file read into shoppers' past orders
//! (errors naming line and column), with values worked out by hand. (The expected-F1 basket drawn
//! from them is tested with the rest of the ranking, in `recommend`.)

use instacart_reorder::order_history::files::{read_order_lines, read_uploaded, OrderFileError};

const SAMPLE: &str = ",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered
0,11,1,1,2,8,,196,1.0,0.0
1,11,1,1,2,8,,14084,2.0,0.0
2,12,1,2,3,7,15.0,14084,2.0,1.0
3,12,1,2,3,7,15.0,196,1.0,1.0
4,12,1,2,3,7,15.0,196,3.0,1.0
5,30,5,1,0,23,,42,1.0,0.0
";

#[test]
fn a_joined_file_becomes_each_shoppers_orders_in_cart_order() {
    let shoppers = read_order_lines(SAMPLE.as_bytes()).expect("reads");
    assert_eq!(shoppers.len(), 2);
    let first = &shoppers[0];
    assert_eq!(first.user_id, 1);
    assert_eq!(first.orders.len(), 2);
    assert_eq!(first.orders[0].products, vec![196, 14084]);
    assert_eq!(first.orders[0].days_since_prior, None);
    // Cart order 1 then 2; a product added twice counts once.
    assert_eq!(first.orders[1].products, vec![196, 14084]);
    assert_eq!((first.orders[1].dow, first.orders[1].hour), (3, 7));
    assert_eq!(first.orders[1].days_since_prior, Some(15.0));
    assert_eq!(shoppers[1].user_id, 5);
    assert_eq!(shoppers[1].orders[0].products, vec![42]);
}

#[test]
fn bad_files_name_line_and_column() {
    let missing = read_order_lines(b"order_id,user_id\n1,2\n").unwrap_err();
    assert_eq!(missing.to_string(), "missing column `order_number`");
    let text = SAMPLE.replace("5,30,5,1,0,23,,42", "5,30,5,1,9,23,,42");
    let error = read_order_lines(text.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 7, column `order_dow`: `9` is not a whole number between 0 and 6"
    );
    let text = SAMPLE.replace("3,12,1,2,3,7,15.0,196", "3,12,1,2,3,8,15.0,196");
    assert!(matches!(
        read_order_lines(text.as_bytes()),
        Err(OrderFileError::InconsistentOrder {
            line: 5,
            order_id: 12
        })
    ));
    let header_only = SAMPLE.lines().next().unwrap_or_default().to_owned() + "\n";
    assert!(matches!(
        read_order_lines(header_only.as_bytes()),
        Err(OrderFileError::Empty)
    ));
}

/// The same orders as SAMPLE in Kaggle's layout (order 40 has no lines: a `train` order).
const ORDERS: &str =
    "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order
11,1,prior,1,2,8,
12,1,prior,2,3,7,15.0
40,1,train,3,1,9,6.0
30,5,prior,1,0,23,
";
const LINES: &str = "order_id,product_id,add_to_cart_order,reordered
11,196,1,0
11,14084,2,0
12,14084,2,1
12,196,1,1
12,196,3,1
30,42,1,0
";

#[test]
fn kaggle_orders_and_lines_read_like_the_joined_file() {
    let joined = read_order_lines(SAMPLE.as_bytes()).expect("joined");
    // Either order of the two files; the orders file is the one naming user_id.
    for files in [
        vec![
            ("orders.csv".to_owned(), ORDERS.as_bytes().to_vec()),
            ("lines.csv".to_owned(), LINES.as_bytes().to_vec()),
        ],
        vec![
            ("lines.csv".to_owned(), LINES.as_bytes().to_vec()),
            ("orders.csv".to_owned(), ORDERS.as_bytes().to_vec()),
        ],
    ] {
        assert_eq!(read_uploaded(&files).expect("kaggle layout"), joined);
    }
    let stray = LINES.to_owned() + "99,1,1,0\n";
    let error = read_uploaded(&[
        ("orders.csv".to_owned(), ORDERS.as_bytes().to_vec()),
        ("lines.csv".to_owned(), stray.into_bytes()),
    ])
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "lines.csv, line 8: order 99 is not in the orders file"
    );
    let error = read_uploaded(&[("joined.csv".to_owned(), b"user_id\n1\n".to_vec())]).unwrap_err();
    assert_eq!(error.to_string(), "joined.csv: missing column `order_id`");
    assert!(matches!(
        read_uploaded(&[]),
        Err(OrderFileError::FileCount(0))
    ));
}
