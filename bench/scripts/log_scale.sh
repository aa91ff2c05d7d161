#!/usr/bin/env bash
# The prediction log at scale: a returning user with RECORDS logged predictions (default
# 1,000,000: 100,000 upgraded from schema v2 plus a Batch-page run for the rest) beside an empty
# log, in one run: first probability on Predict, the dashboard's numbers, the next page of recent
# predictions, CSV and JSON exports with the browser's peak memory. Builds the release app unless
# SKIP_BUILD=1, serves dist/ with the production nginx config on a free port.
#
#   bench/scripts/log_scale.sh                     # 1,000,000 records
#   RECORDS=100000 SKIP_BUILD=1 bench/scripts/log_scale.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
command -v chromedriver >/dev/null || { echo "needs chromium and chromedriver (apt-get install chromium chromium-driver)" >&2; exit 2; }
[ -n "${SKIP_BUILD:-}" ] || scripts/dev.sh build >&2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PORT=$port scripts/dev.sh serve-dist &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/index.html" 2>/dev/null && break; sleep 0.1; done
echo "machine: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), $(chromium --version 2>/dev/null); $(date -u +%Y-%m-%dT%H:%MZ)"
python3 bench/scripts/log_scale_driver.py "http://127.0.0.1:$port" "${RECORDS:-1000000}" "${LOADS:-5}"
echo "load average at the end: $(cut -d" " -f1-3 /proc/loadavg)"
