#!/usr/bin/env bash
# Where the Batch page's time goes: scores a generated file (BENCH_ROWS, default 1,000,000 rows
# of the labelled fixture) on the release build served by the production nginx config, in
# headless chromium driven by puppeteer-core (from Lighthouse's pinned packages,
# bench/lighthouse/), with a Chrome trace of every process; prints the busy time of each thread
# and the functions that took the most time on the page's main thread and in the two workers.
# The batch worker's wasm is served with its function names kept (the same build, its name
# section put back), so wasm functions are named. Not a benchmark: tracing slows the run.
#
#   bench/scripts/batch_profile.sh
#   SKIP_BUILD=1 BENCH_ROWS=100000 bench/scripts/batch_profile.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
rows=${BENCH_ROWS:-1000000}
out="$root/target/bench/profile"

[ -n "${SKIP_BUILD:-}" ] || scripts/dev.sh build >&2
(cd bench/lighthouse && [ -d node_modules/puppeteer-core ] || npm ci --no-audit --no-fund >&2)

# The served copy: dist/ with the worker's wasm rebuilt from the same Cargo output with names
# (wasm-bindgen --keep-debug, then wasm-opt -O3 -g: the code is the build's own).
rm -rf "$out" && mkdir -p "$out/bindgen"
cp -r dist "$out/dist"
wasm-bindgen --target web --keep-debug --out-dir "$out/bindgen" \
  target/wasm32-unknown-unknown/worker/reorder_worker.wasm
wasm-opt -O3 -g --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$out/bindgen/reorder_worker_bg.wasm" -o "$out/dist/reorder_worker_bg.wasm"
rm -f "$out/dist/reorder_worker_bg.wasm.br" "$out/dist/reorder_worker_bg.wasm.gz"

# The file bench_large_batch_file (tests/e2e/uploads.rs) generates: the labelled fixture's good
# rows, repeated.
python3 - "$rows" "$out/rows.csv" <<'PY'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
lines = open("tests/e2e/fixtures/uploads/batch_labelled.csv").read().split("\n")
header, width = lines[0], len(lines[0].split(","))
good = [line for line in lines[1:] if len(line.split(",")) == width
        and line.endswith((",0", ",1")) and ",ten," not in line]
with open(path, "w") as out:
    out.write(header + "\n")
    for index in range(rows):
        out.write(good[index % len(good)] + "\n")
PY

SKIP_BUILD=1
export WEB_ROOT="$out/dist"
# shellcheck source=bench/scripts/serve_release.sh
. bench/scripts/serve_release.sh
node bench/profile/batch_trace.js "$base_url" "$out/rows.csv" "$out/trace.json"
python3 bench/profile/trace_summary.py "$out/trace.json" "${TOP:-15}"
