#!/usr/bin/env bash
# Cold start and payload of the production build: `scripts/dev.sh build`, served by
# `scripts/dev.sh serve-dist` (the production nginx config), then 10 cold loads of the Predict
# page in headless chromium with fresh profiles: navigation -> first probability on the result
# card (median), and the bytes (gzip, brotli) of everything the first load fetches.
#
#   bench/scripts/coldstart.sh            RUNS=N to change the number of loads
#   SKIP_BUILD=1 bench/scripts/coldstart.sh   reuse dist/
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
echo "machine: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GB RAM; $(chromium --version 2>/dev/null); $(date -u +%Y-%m-%dT%H:%MZ)"
python3 bench/scripts/coldstart_driver.py "http://127.0.0.1:$port" "$root/dist" "${RUNS:-10}"
