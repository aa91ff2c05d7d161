#!/usr/bin/env bash
# Lighthouse 12.2.3 (mobile, default throttling) against the release build served by the image's
# own nginx config, for `/`, `/dashboard` and `/demo`: the four category scores and the core
# metrics of each page, one line per page. Builds the app unless SKIP_BUILD=1; installs the
# pinned Lighthouse from bench/lighthouse/package-lock.json on first use.
#
#   bench/scripts/lighthouse.sh
#   SKIP_BUILD=1 RUNS=3 bench/scripts/lighthouse.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
port=${BENCH_PORT:-18481}
runs=${RUNS:-1}

(cd bench/lighthouse && [ -x node_modules/.bin/lighthouse ] || npm ci --no-audit --no-fund >&2)
[ "${SKIP_BUILD:-0}" = 1 ] || scripts/dev.sh build >&2

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
PORT=$port WEB_ROOT="$root/dist" CONF_DIR="$root/deploy" RUN_DIR="$root/target/nginx/lighthouse-$port" \
  CSP_HASHES_FILE="$root/target/nginx/csp_hashes.conf" deploy/start-nginx.sh &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/index.html" 2>/dev/null && break
  sleep 0.1
done

out="$root/target/bench/lighthouse"
mkdir -p "$out"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); Lighthouse 12.2.3, mobile, default throttling"
printf '%-11s %4s %4s %4s %4s %8s %8s %8s %6s\n' page perf a11y bp seo FCP LCP TBT CLS
for page in / /dashboard /demo; do
  for run in $(seq 1 "$runs"); do
    name="$(echo "$page" | tr -c 'a-z' '_')$run"
    CHROME_PATH=/usr/bin/chromium bench/lighthouse/node_modules/.bin/lighthouse \
      "http://127.0.0.1:$port$page" --quiet --output=json --output-path="$out/$name.json" \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run" >/dev/null 2>&1 \
      || { echo "lighthouse failed on $page" >&2; exit 1; }
    python3 - "$out/$name.json" "$page" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
score = lambda c: round(100 * (report["categories"][c]["score"] or 0))
audit = lambda a: report["audits"][a]["numericValue"]
print(f'{sys.argv[2]:<11} {score("performance"):>4} {score("accessibility"):>4} {score("best-practices"):>4} {score("seo"):>4} '
      f'{audit("first-contentful-paint"):>6.0f}ms {audit("largest-contentful-paint"):>6.0f}ms {audit("total-blocking-time"):>6.0f}ms '
      f'{audit("cumulative-layout-shift"):>6.3f}')
PY
  done
done
