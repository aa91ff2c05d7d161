//! Made-up rows for a worker to score before any file comes (`worker_protocol::warm_up`), so
//! that the browser compiles the scoring code for speed ahead of the run. The file takes every
//! path a real one takes: ids, every feature in each number form, empty cells and a label.

use crate::model::Model;

/// Made-up rows scored in a warm-up: a few milliseconds natively, enough in the browser for the
/// hot functions to be compiled for speed.
pub const WARM_UP_ROWS: usize = 4_000;

/// A file of `rows` made-up rows for `model`: ids, every feature (whole numbers, short and long
/// decimals, some cells empty) and a label, so every path a real file takes is taken.
pub fn made_up_file(model: &Model, rows: usize) -> Vec<u8> {
    const CELLS: [&str; 8] = [
        "3",
        "0.5",
        "17",
        "0.42857142857142855",
        "",
        "11.88888888888889",
        "0.0123",
        "248",
    ];
    let names = model.feature_names();
    let mut file = format!("user_id,product_id,{},reordered\n", names.join(",")).into_bytes();
    for row in 0..rows {
        file.extend_from_slice(format!("{},{}", row % 97 + 1, row % 389 + 1).as_bytes());
        for column in 0..names.len() {
            file.push(b',');
            file.extend_from_slice(CELLS[(row + column) % CELLS.len()].as_bytes());
        }
        file.extend_from_slice(if row % 3 == 0 { b",1\n" } else { b",0\n" });
    }
    file
}
