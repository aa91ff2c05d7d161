# Sourced by the browser benchmarks that drive the app itself (coldstart.sh, log_scale.sh,
# batch_profile.sh): builds the release app unless SKIP_BUILD is set, serves dist/ (or WEB_ROOT,
# a copy of it) with the production nginx config (`scripts/dev.sh serve-dist`) on a free port
# until the script exits, sets `base_url`, and prints
# the machine line every table is quoted with. Expects `root` set and the repository as the
# working directory.
command -v chromedriver >/dev/null || { echo "needs chromium and chromedriver (apt-get install chromium chromium-driver)" >&2; exit 2; }
[ -n "${SKIP_BUILD:-}" ] || scripts/dev.sh build >&2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PORT=$port scripts/dev.sh serve-dist &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/index.html" 2>/dev/null && break; sleep 0.1; done
base_url="http://127.0.0.1:$port"
echo "machine: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GB RAM; $(chromium --version 2>/dev/null); $(date -u +%Y-%m-%dT%H:%MZ)"
