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
. bench/scripts/serve_release.sh
python3 bench/scripts/coldstart_driver.py "$base_url" "$root/dist" "${RUNS:-10}"
