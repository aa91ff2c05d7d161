#!/usr/bin/env bash
# Browser benchmark: the app's evaluator (wasm) beside onnxruntime-web 1.30 (wasm backend, one
# thread) in one headless chromium run, on the same model and rows: single-row latency (median,
# p99 and mean of 10k calls), batch rows/s over 100k rows, max |diff| and decision flips against
# LightGBM 4.7.0, for the bundled model and three stress models: binary (500 trees x 63 leaves x 31
# features), categorical (the same size, 6 categorical features, many categorical splits) and
# multiclass (10 classes x 100 iterations = 1,000 trees x 31 leaves; every class's probability is
# compared, flips are of the argmax class). Ours is also checked bit for bit against LightGBM; a
# model onnxmltools cannot convert gets n/a with the converter's error for onnxruntime-web.
#
#   bench/scripts/browser.sh                         prints the table and the ratios
#   MODELS=stress,multiclass bench/scripts/browser.sh   prepares and times only these (of
#       bundled,stress,categorical,multiclass; without bundled, no data assembly or features run)
#   EVALUATOR_OPT_LEVEL=3 bench/scripts/browser.sh   the same with the wasm compiled at rustc
#       opt-level 3 instead of the app's size-tuned release profile (own target dir, ~20 min cold)
#   CARGO_TARGET_DIR=target/wasm-simd128 \
#   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS=-Ctarget-feature=+simd128 bench/scripts/browser.sh
#       the same with wasm SIMD enabled for the whole module (own target dir; ~8 min cold)
#
# Builds bench/browser/index.html with Trunk into target/bench/dist, writes the rows/models there
# (bench/scripts/browser_prep.py), serves it with nginx (deploy/start-nginx.sh with bench/browser/server)
# and drives chromium through chromedriver (bench/scripts/browser_driver.py).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
work="$root/target/bench"
dist="$work/dist"
if [ -n "${EVALUATOR_OPT_LEVEL:-}" ]; then
  dist="$work/dist-o$EVALUATOR_OPT_LEVEL"
  export CARGO_PROFILE_RELEASE_OPT_LEVEL="$EVALUATOR_OPT_LEVEL"
  export CARGO_TARGET_DIR="$root/target/wasm-o$EVALUATOR_OPT_LEVEL"
fi
bench_venv="$root/target/bench-venv"
mkdir -p "$work"
log() { printf '==> %s\n' "$*" >&2; }

scripts/dev.sh tools   # trunk, wasm-bindgen-cli, binaryen (no-ops when present)
command -v chromedriver >/dev/null || { echo "needs chromium and chromedriver (apt-get install chromium chromium-driver)" >&2; exit 2; }
command -v nginx >/dev/null || { echo "needs nginx (apt-get install nginx-light)" >&2; exit 2; }
(cd bench/browser && [ -d node_modules/onnxruntime-web ] || npm ci --no-audit --no-fund)

# Python for the conversion: LightGBM 4.7.0 and onnxmltools, pinned.
if [ ! -f "$bench_venv/.ready-2" ]; then
  log "creating $bench_venv"
  "${PYTHON:-python3.11}" -m venv "$bench_venv" || python3 -m venv "$bench_venv"
  "$bench_venv/bin/pip" install --quiet -r bench/scripts/requirements.txt
  touch "$bench_venv/.ready-2"
fi

models="${MODELS:-bundled,stress,categorical,multiclass}"
wants() { case ",$models," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

log "native build (reorder) and the stress models"
CARGO_TARGET_DIR="$root/target" cargo build --quiet --profile native --bin reorder
stress="$root/target/bench-model"
needed=()
wants stress && needed+=(stress.json rows.f64)
wants categorical && needed+=(categorical.json categorical.rows.f64)
wants multiclass && needed+=(multiclass.json multiclass.rows.f64)
for file in "${needed[@]}"; do
  if [ ! -f "$stress/$file" ]; then
    # Trains the stress models, writes their 100k rows and prints the native benchmark.
    CARGO_TARGET_DIR="$root/target" BENCH_VENV="$bench_venv" bench/scripts/evaluator.sh >&2
    break
  fi
done

if wants bundled; then
  log "rows for the bundled model: features of the real sample grown to 3 copies"
  source models/train/venv.sh   # $py: polars and the data packages
  [ -f "$work/data/1x/orders.csv" ] || "$py" models/train/assemble_data.py "$work/data/1x" >&2
  [ -f "$work/data/3x/products.csv" ] || "$py" bench/scripts/grow_dataset.py "$work/data/1x" "$work/data/3x" --copies 3 >&2
  [ -f "$work/table-3x.csv" ] || target/native/reorder features --data "$work/data/3x" --out "$work/table-3x.csv"
fi

log "trunk build of the benchmark page"
trunk build --release --config Trunk.toml --dist "$dist" bench/browser/index.html >&2

log "models, rows and LightGBM's probabilities"
wants bundled && "$bench_venv/bin/python" bench/scripts/browser_prep.py --name bundled \
  --description "the app's model, $(python3 -c "import json;print(len(json.load(open('assets/model.json'))['trees']))") trees, real feature rows" \
  --model-txt models/model.txt --bundle assets/model.json --table "$work/table-3x.csv" \
  --rows 100000 --out "$dist/data/bundled"
wants stress && "$bench_venv/bin/python" bench/scripts/browser_prep.py --name stress \
  --description "500 trees x 63 leaves x 31 features, 8% NaN" \
  --model-txt "$stress/stress.txt" --bundle "$stress/stress.json" --rows-f64 "$stress/rows.f64" \
  --rows 100000 --out "$dist/data/stress"
wants categorical && "$bench_venv/bin/python" bench/scripts/browser_prep.py --name categorical \
  --description "binary, 500 trees x 63 leaves x 31 features, 6 categorical (8 to 5,000 categories); unseen, negative and NaN codes" \
  --model-txt "$stress/categorical.txt" --bundle "$stress/categorical.json" --rows-f64 "$stress/categorical.rows.f64" \
  --rows 100000 --out "$dist/data/categorical"
wants multiclass && "$bench_venv/bin/python" bench/scripts/browser_prep.py --name multiclass \
  --description "10 classes x 100 iterations = 1,000 trees x 31 leaves x 31 features, 8% NaN" \
  --model-txt "$stress/multiclass.txt" --bundle "$stress/multiclass.json" --rows-f64 "$stress/multiclass.rows.f64" \
  --rows 100000 --out "$dist/data/multiclass"

port=$("$bench_venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'set $csp_script_hashes "";\nset $csp_style_hashes "";\n' > "$work/no_csp.conf"
PORT=$port WEB_ROOT="$dist" CONF_DIR="$root/bench/browser/server" RUN_DIR="$work/nginx-$port" \
  CSP_HASHES_FILE="$work/no_csp.conf" deploy/start-nginx.sh &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/index.html" 2>/dev/null && break; sleep 0.1; done

log "running in headless chromium"
echo "evaluator wasm: release profile${EVALUATOR_OPT_LEVEL:+ with rustc opt-level $EVALUATOR_OPT_LEVEL} (app: opt-level z, crate reorder-evaluator: opt-level 3)${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:+, rustflags $CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS}, wasm-opt -Oz"
echo "machine: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GB RAM; $(date -u +%Y-%m-%dT%H:%MZ)"
"$bench_venv/bin/python" bench/scripts/browser_driver.py "http://127.0.0.1:$port" "$models"
