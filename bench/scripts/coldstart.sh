#!/usr/bin/env bash
# Cold start and payload of the production build: `scripts/dev.sh build`, served by
# `scripts/dev.sh serve-dist` (the production nginx config), then 10 cold loads of the Predict
# page in headless chromium with fresh profiles: navigation -> first probability on the result
# card (median), and the bytes (gzip, brotli) of everything the first load fetches.
#
#   bench/scripts/coldstart.sh            RUNS=N to change the number of loads
#   SKIP_BUILD=1 bench/scripts/coldstart.sh   reuse dist/
#   HOSTS=1 bench/scripts/coldstart.sh    nginx against the static tree (scripts/dev.sh
#                                         static-space) on a plain `python3 -m http.server`, which
#                                         sends every file uncompressed, in one run, unthrottled
#                                         and on a 20 Mbit/s link
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
. bench/scripts/serve_release.sh
if [ -z "${HOSTS:-}" ]; then
    python3 bench/scripts/coldstart_driver.py "$base_url" "$root/dist" "${RUNS:-10}"
    exit 0
fi
python3 scripts/static_space.py dist target/bench-static >&2
plain_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$plain_port" --bind 127.0.0.1 --directory target/bench-static >/dev/null 2>&1 &
plain=$!
trap 'kill $server $plain 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$plain_port/index.html" 2>/dev/null && break; sleep 0.1; done
python3 bench/scripts/coldstart_driver.py "$base_url" "$root/dist" "${RUNS:-10}" "http://127.0.0.1:$plain_port"
