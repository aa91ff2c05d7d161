#!/usr/bin/env bash
# Feature building at scale: `reorder features` (native profile) against the polars reference
# (models/train/reference_features.py) at 1x, 10x and full Kaggle size (226 copies, ~32.4M prior
# lines). Prints wall time, peak RSS and the ratios. Needs ~6 GB of disk under target/bench/.
#
#   bench/scripts/features.sh                  # 1x, 10x, full
#   SIZES="1 10" bench/scripts/features.sh     # a subset (copies of the assembled sample)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source models/train/venv.sh   # sets $py (pinned polars, numpy, the data packages)
work="$root/target/bench"
mkdir -p "$work/data"

if [ ! -f "$work/data/1x/orders.csv" ]; then
  "$py" models/train/assemble_data.py "$work/data/1x"
fi
specs=()
for copies in ${SIZES:-1 10 226}; do
  if [ "$copies" = 1 ]; then dir="$work/data/1x"; label=1x
  elif [ "$copies" = 226 ]; then dir="$work/data/full"; label="full (226x)"
  else dir="$work/data/${copies}x"; label="${copies}x"
  fi
  if [ ! -f "$dir/products.csv" ]; then
    "$py" bench/scripts/grow_dataset.py "$work/data/1x" "$dir" --copies "$copies" >&2
  fi
  specs+=("$label=$dir")
done

cargo build --quiet --profile native --bin reorder
echo "machine: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GB RAM; $(date -u +%Y-%m-%dT%H:%MZ)"
"$py" bench/scripts/features_bench.py "$root/target/native/reorder" "$py" \
  models/train/reference_features.py "$work/features-out" "${specs[@]}"
echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
