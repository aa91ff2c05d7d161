#!/usr/bin/env bash
# Cross-checks the Rust features against the independent polars implementation on every row
# and column (relative 1e-9); exits non-zero with the first mismatches if they disagree.
#
#   models/train/check_features.sh              # the PyPI sample, assembled into models/train/work/
#   models/train/check_features.sh --data DIR   # Kaggle-layout files
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$here/work"
data=""
if [ "${1:-}" = "--data" ]; then data="$(cd "$2" && pwd)"; fi

source "$here/venv.sh"
mkdir -p "$work"
if [ -z "$data" ]; then
  data="$work/data"
  "$py" "$here/assemble_data.py" "$data"
fi
(cd "$root" && cargo build --quiet --profile native --bin reorder)
"$root/target/native/reorder" features --data "$data" --out "$work/check_table.csv"
"$py" "$here/reference_features.py" "$data" "$work/check_reference_table.csv"
"$py" "$here/check_features.py" "$work/check_table.csv" "$work/check_reference_table.csv"
