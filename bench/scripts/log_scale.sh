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
. bench/scripts/serve_release.sh
python3 bench/scripts/log_scale_driver.py "$base_url" "${RECORDS:-1000000}" "${LOADS:-5}"
echo "load average at the end: $(cut -d" " -f1-3 /proc/loadavg)"
