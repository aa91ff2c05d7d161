#!/usr/bin/env bash
# Benchmark: LightGBM 4.7.0 predict vs the project's evaluator (and lleaves 1.3.0, and `reorder predict`
# end to end) on the stress models: binary, categorical and multiclass (bench/scripts/evaluator.py).
# Usage: bench/scripts/evaluator.sh   (BENCH_VENV=dir to reuse a venv with lightgbm 4.7.0 and lleaves 1.3.0;
#   BENCH_MODELS=binary,categorical,multiclass picks the models; LLEAVES_TIMEOUT=seconds caps
#   lleaves' compile, default 1200)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${BENCH_VENV:-$root/target/fixtures-venv}"
if ! "$venv/bin/python" -c "import lightgbm, lleaves" 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet lightgbm==4.7.0 numpy==2.4.6 scipy==1.17.1 lleaves==1.3.0 llvmlite==0.44.0
fi
cd "$root"
cargo build --quiet --profile native --bin reorder
cargo bench --quiet --profile native --bench model --no-run
bench="$(ls -t target/native/deps/model-* | grep -v '\.d$' | head -n 1)"
"$venv/bin/python" bench/scripts/evaluator.py "$root" "$root/target/bench-model" "$bench" "$root/target/native/reorder"
