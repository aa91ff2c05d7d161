#!/usr/bin/env bash
# Benchmark: LightGBM 4.7.0 predict vs the project's evaluator on the stress model.
# Usage: bench/scripts/evaluator.sh   (BENCH_VENV=dir to reuse a venv with lightgbm 4.7.0)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${BENCH_VENV:-$root/target/fixtures-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet lightgbm==4.7.0 numpy==2.4.6 scipy==1.17.1
fi
cd "$root"
cargo build --quiet --profile native --bin reorder
cargo bench --quiet --profile native --bench model --no-run
bench="$(ls -t target/native/deps/model-* | grep -v '\.d$' | head -n 1)"
"$venv/bin/python" bench/scripts/evaluator.py "$root" "$root/target/bench-model" "$bench" "$root/target/native/reorder"
