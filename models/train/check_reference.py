"""Checks `reorder predict` output on models/reference.csv: the probability the Rust evaluator
computed must equal LightGBM's (the file's own `probability`, passed through as
`input_probability`) bit for bit. Exits 1 on any difference.

Usage: python check_reference.py PREDICTED_CSV
"""

import csv
import sys


def main():
    rows = differ = 0
    with open(sys.argv[1], newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows += 1
            if float(row["input_probability"]) != float(row["probability"]):
                differ += 1
                if differ <= 5:
                    print(f"row {rows}: LightGBM {row['input_probability']}, Rust {row['probability']}")
    if rows == 0 or differ:
        print(f"{differ} of {rows} probabilities differ")
        sys.exit(1)
    print(f"reference rows: {rows} probabilities identical to LightGBM's")


if __name__ == "__main__":
    main()
