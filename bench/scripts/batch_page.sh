#!/usr/bin/env bash
# The Batch page against `reorder predict` on the same generated file, in one run: builds the
# CLI (native profile) and, unless SKIP_BUILD=1, the release app; serves dist/ with the
# production nginx config and drives headless chromium on private ports; prints both timings and
# their ratio, every main-thread task over 50 ms (Long Tasks API), the longest timer-probe stall
# and the browser's peak memory.
#
#   bench/scripts/batch_page.sh                  # 100,000 rows
#   BENCH_ROWS=1000000 bench/scripts/batch_page.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
port=${BENCH_PORT:-18471}
driver_port=${BENCH_DRIVER_PORT:-18472}

cargo build --quiet --profile native --bin reorder
[ "${SKIP_BUILD:-0}" = 1 ] || scripts/dev.sh build >&2

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
PORT=$port WEB_ROOT="$root/dist" CONF_DIR="$root/deploy" RUN_DIR="$root/target/nginx/bench-$port" \
  CSP_HASHES_FILE="$root/target/nginx/csp_hashes.conf" deploy/start-nginx.sh &
pids+=($!)
chromedriver --port="$driver_port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/index.html" 2>/dev/null \
    && curl -fsS -o /dev/null "http://127.0.0.1:$driver_port/status" 2>/dev/null && break
  sleep 0.1
done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
BENCH_ROWS=${BENCH_ROWS:-100000} BENCH_REORDER="$root/target/native/reorder" \
  E2E_BASE_URL="http://127.0.0.1:$port" E2E_DIST_DIR="$root/dist" \
  WEBDRIVER_URL="http://127.0.0.1:$driver_port" \
  cargo test --quiet --test e2e -- --ignored --exact uploads::bench_large_batch_file --nocapture 2>&1 \
  | grep '^bench:'
