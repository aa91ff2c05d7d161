"""Compares the Rust feature table with the polars reference: same rows (user_id, product_id),
same labels, same column names in the same order, and every value equal within a relative
1e-9 (missing on both sides counts as equal). Exits 1 with the first mismatches on failure.

Usage: python check_features.py RUST_TABLE.csv REFERENCE_TABLE.csv
"""

import math
import sys

import polars as pl


def main():
    rust = pl.read_csv(sys.argv[1], infer_schema_length=0)
    reference = pl.read_csv(sys.argv[2], infer_schema_length=0)
    problems = []
    if rust.columns != reference.columns:
        problems.append(f"columns differ:\n  rust      {rust.columns}\n  reference {reference.columns}")
        print("\n".join(problems))
        sys.exit(1)
    if rust.height != reference.height:
        problems.append(f"row counts differ: rust {rust.height}, reference {reference.height}")
    keys = ["user_id", "product_id"]
    rust = rust.sort(keys)
    reference = reference.sort(keys)
    if not problems and not rust.select(keys).equals(reference.select(keys)):
        problems.append("the (user_id, product_id) rows differ")
    if problems:
        print("\n".join(problems))
        sys.exit(1)

    def value(text):
        return math.nan if text is None or text == "" else float(text)

    compared = 0
    for column in rust.columns[2:]:
        for row, (a, b) in enumerate(zip(rust[column].to_list(), reference[column].to_list())):
            x, y = value(a), value(b)
            compared += 1
            if math.isnan(x) and math.isnan(y):
                continue
            if math.isnan(x) or math.isnan(y) or abs(x - y) > 1e-9 * max(abs(x), abs(y)):
                problems.append(
                    f"{column} differs for user {rust['user_id'][row]} product "
                    f"{rust['product_id'][row]}: rust {a!r}, reference {b!r}")
    if problems:
        print(f"{len(problems)} mismatches; first ones:")
        print("\n".join(problems[:20]))
        sys.exit(1)
    print(f"features agree: {rust.height} rows x {len(rust.columns) - 2} columns, "
          f"{compared} values within relative 1e-9")


if __name__ == "__main__":
    main()
