#!/bin/sh
# Starts nginx in the foreground with deploy/nginx.conf.template rendered for this run. The
# production image runs it as its entrypoint; the tests run the very same script on dist/.
#
# Environment (defaults are the image's):
#   PORT              listen port                          (7860, Hugging Face's app_port)
#   WEB_ROOT          the built site                       (/srv/www)
#   CONF_DIR          where headers.conf lives             (this script's folder)
#   RUN_DIR           writable folder for pid/temp files   (/tmp/nginx)
#   CSP_HASHES_FILE   nginx `set $csp_script_hashes ...; set $csp_style_hashes ...;`
#                     ($CONF_DIR/csp_hashes.conf)
#   FRAME_ANCESTORS   CSP frame-ancestors sources           ('self' https://huggingface.co https://*.hf.space)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PORT=${PORT:-7860}
WEB_ROOT=${WEB_ROOT:-/srv/www}
CONF_DIR=${CONF_DIR:-$here}
RUN_DIR=${RUN_DIR:-/tmp/nginx}
CSP_HASHES_FILE=${CSP_HASHES_FILE:-$CONF_DIR/csp_hashes.conf}
FRAME_ANCESTORS=${FRAME_ANCESTORS:-"'self' https://huggingface.co https://*.hf.space"}

case "$PORT" in *[!0-9]*|'') echo "start-nginx: PORT must be a number, got '$PORT'" >&2; exit 2 ;; esac
case "$FRAME_ANCESTORS" in *[\;\"\\]*) echo "start-nginx: FRAME_ANCESTORS must not contain ; \" or \\" >&2; exit 2 ;; esac
for f in "$WEB_ROOT/index.html" "$CSP_HASHES_FILE" "$CONF_DIR/headers.conf" "$CONF_DIR/nginx.conf.template"; do
    [ -f "$f" ] || { echo "start-nginx: missing $f" >&2; exit 2; }
done

mkdir -p "$RUN_DIR"
printf 'set $csp_frame_ancestors "%s";\n' "$FRAME_ANCESTORS" > "$RUN_DIR/frame_ancestors.conf"
sed -e "s#@PORT@#$PORT#g" -e "s#@WEB_ROOT@#$WEB_ROOT#g" -e "s#@CONF_DIR@#$CONF_DIR#g" \
    -e "s#@RUN_DIR@#$RUN_DIR#g" -e "s#@CSP_HASHES_FILE@#$CSP_HASHES_FILE#g" \
    "$CONF_DIR/nginx.conf.template" > "$RUN_DIR/nginx.conf"
exec nginx -e stderr -c "$RUN_DIR/nginx.conf" -g 'daemon off;'
