#!/usr/bin/env python3
"""Finishes a release build in dist/ for the production server.

0. Loading after the first paint: Trunk's loader imports the app's JS at once and its head
   preloads the JS, the wasm and the model bundle and links the stylesheet, so on a phone the
   page stays blank until seconds of downloads end. The loader is rewritten to wait for the
   first paint (index.html's loading layer, styled inline; at once in a hidden tab), then fetch
   the same files and the stylesheet and start the app once both are in; those links leave the
   head, and the head's classic scripts are deferred so nothing holds that paint. The model
   bundle is read into memory while the wasm downloads (`window.reorderBundlePrefetch`, taken
   by src/web/loader.rs, which checks its digest as for its own download). If the app's code
   cannot be loaded or started, the loading layer says so instead of staying as it is.
1. CSP: the sha256 of every inline <script> (the loader) and <style> (the loading layer's) in
   index.html, written as the nginx lines `set $csp_script_hashes "...";` and
   `set $csp_style_hashes "...";` so the policy allows exactly this build's.
2. Offline: if dist/sw.js exists, writes this build's precache list (every file of dist/ with its
   sha256, and a version derived from them) into it, in place of its PRECACHE placeholder, so a
   new build is a new service worker.
3. Content-addressed data files: a copy of each data file the app fetches (assets/model.json,
   catalog.json, demo_users.json, metrics.json, personal_model.json) named `<stem>-<first 16 hex of sha256>.json`,
   the names build.rs compiles into the app, and index.html's preload pointed at the model's.
   After a redeploy, a returning visitor's new page can then never get the previous build's
   file from a service worker cache. The plain names stay for people and scripts but are not
   precached.
4. Compression: a gzip -9 and a brotli -q 11 copy next to every text/wasm file, served as is by
   nginx's gzip_static / brotli_static.
Standard library only (brotli through Debian's `brotli` command).
"""
import argparse
import base64
import gzip
import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys

COMPRESSIBLE = (".html", ".js", ".wasm", ".css", ".json", ".svg", ".webmanifest", ".txt", ".ico")
DATA_FILES = ("assets/model.json", "assets/catalog.json", "assets/demo_users.json", "assets/metrics.json",
              "assets/personal_model.json")
NOT_PRECACHED = {"sw.js", *DATA_FILES}
PLACEHOLDER = "/*PRECACHE_MANIFEST*/ { version: 'dev', files: [] }"


class InlineCode(html.parser.HTMLParser):
    """Collects the text of every <script> element that has no src attribute, and of every
    <style> element."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.scripts = []
        self.styles = []
        self._inside = None
        self._parts = []

    def handle_starttag(self, tag, attrs):
        if (tag == "script" and not any(name == "src" for name, _ in attrs)) or tag == "style":
            self._inside = tag
            self._parts = []

    def handle_endtag(self, tag):
        if tag == self._inside:
            (self.scripts if tag == "script" else self.styles).append("".join(self._parts))
            self._inside = None

    def handle_data(self, data):
        if self._inside:
            self._parts.append(data)


TRUNK_LOADER = re.compile(
    r"<script type=\"module\">\s*import init, \* as bindings from '(?P<js>/[^']+\.js)';\s*"
    r"const wasm = await init\(\{ module_or_path: '(?P<wasm>/[^']+\.wasm)' \}\);\s*"
    r"window\.wasmBindings = bindings;\s*"
    r"dispatchEvent\(new CustomEvent\(\"TrunkApplicationStarted\", \{detail: \{wasm\}\}\)\);\s*</script>"
)
HEAD_PRELOAD = re.compile(r"<link rel=\"(?:modulepreload|preload)\" href=\"(?P<href>[^\"]+)\"[^>]*>")
HEAD_STYLESHEET = re.compile(
    r"<link rel=\"stylesheet\" href=\"(?P<href>/[^\"]+\.css)\" integrity=\"(?P<integrity>[^\"]+)\"\s*/?>"
)
BLOCKING_SCRIPT = re.compile(r"<script src=(?=\"/)")
AFTER_FIRST_PAINT = """<script type="module">
/*NAMES*/
await new Promise((go) => {
  if (document.visibilityState !== 'visible') return go();
  requestAnimationFrame(() => setTimeout(go, 0));
  setTimeout(go, 200);
});
const add = (attributes) => document.head.appendChild(Object.assign(document.createElement('link'), attributes));
const sheet = add({ rel: 'stylesheet', href: CSS, integrity: CSS_INTEGRITY });
const styled = new Promise((go) => { sheet.onload = sheet.onerror = go; });
add({ rel: 'preload', href: WASM, as: 'fetch', crossOrigin: 'anonymous', type: 'application/wasm' });
window.reorderBundlePrefetch = fetch(BUNDLE).then((r) => (r.ok ? r.arrayBuffer() : null)).catch(() => null);
try {
  const [bindings] = await Promise.all([import(JS), styled]);
  const wasm = await bindings.default({ module_or_path: WASM });
  window.wasmBindings = bindings;
  dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
} catch (error) {
  const shown = Object.assign(document.createElement('p'), { id: 'boot-error', className: 'boot-lead',
    textContent: `The app could not start (${error}). Reload the page to try again. / Uygulama başlatılamadı; sayfayı yeniden yükleyin.` });
  shown.setAttribute('role', 'alert');
  shown.dataset.testid = 'boot-error';
  document.getElementById('boot')?.append(shown);
  throw error;
}
</script>"""


def load_after_first_paint(page: str) -> str:
    """Step 0: Trunk's loader and the head's preloads -> one loader that starts after the first
    paint. Refuses a page it does not recognise rather than leave it half rewritten."""
    if "const BUNDLE = " in page:
        return page
    loader = TRUNK_LOADER.search(page)
    if loader is None:
        sys.exit("postbuild: index.html has no Trunk loader in the form this script rewrites")
    js, wasm = loader["js"], loader["wasm"]
    # The head preloads exactly the app's JS, its wasm and the content-addressed model bundle.
    bundles = [
        m["href"] for m in HEAD_PRELOAD.finditer(page) if m["href"] not in (js, wasm)
    ]
    if len(bundles) != 1 or not bundles[0].startswith("/assets/model-"):
        sys.exit(f"postbuild: index.html's head preloads {bundles} besides the app; the loader expects the model bundle alone")
    sheets = list(HEAD_STYLESHEET.finditer(page))
    if len(sheets) != 1:
        sys.exit(f"postbuild: index.html links {len(sheets)} stylesheets; the loader expects the app's one")
    names = {"JS": js, "WASM": wasm, "CSS": sheets[0]["href"], "CSS_INTEGRITY": sheets[0]["integrity"],
             "BUNDLE": bundles[0]}
    script = AFTER_FIRST_PAINT.replace(
        "/*NAMES*/", "\n".join(f"const {name} = {json.dumps(value)};" for name, value in names.items())
    )
    page = page[: loader.start()] + script + page[loader.end() :]
    page = HEAD_STYLESHEET.sub("", HEAD_PRELOAD.sub("", page))
    # A classic script in the head (the service worker's registration, which waits for the app
    # anyway) would hold the parser, and so the first paint, until it has downloaded.
    return BLOCKING_SCRIPT.sub(r"<script defer src=", page)


def csp_hashes(index_html: str) -> tuple[list[str], list[str]]:
    """The CSP sources of index.html's inline scripts and inline styles."""
    parser = InlineCode()
    parser.feed(index_html)
    source = lambda text: "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    return [source(s) for s in parser.scripts], [source(s) for s in parser.styles]


def files_of(dist: str) -> list[str]:
    out = []
    for folder, _, names in os.walk(dist):
        for name in names:
            if name.endswith((".gz", ".br")):
                continue
            out.append(os.path.relpath(os.path.join(folder, name), dist).replace(os.sep, "/"))
    return sorted(out)


def write_precache(dist: str) -> None:
    entries = []
    for rel in files_of(dist):
        if rel in NOT_PRECACHED:
            continue
        with open(os.path.join(dist, rel), "rb") as f:
            entries.append({"url": "/" + rel, "sha256": hashlib.sha256(f.read()).hexdigest()})
    version = hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()[:16]
    sw_path = os.path.join(dist, "sw.js")
    with open(sw_path, encoding="utf-8") as f:
        sw = f.read()
    if PLACEHOLDER not in sw:
        sys.exit("postbuild: dist/sw.js has no PRECACHE placeholder (already processed?)")
    manifest = json.dumps({"version": version, "files": entries}, separators=(",", ":"))
    with open(sw_path, "w", encoding="utf-8") as f:
        f.write(sw.replace(PLACEHOLDER, manifest))


def content_addressed(rel: str, data: bytes) -> str:
    """`assets/model.json` -> `assets/model-<first 16 hex of sha256>.json` (as build.rs names it)."""
    stem, extension = rel.rsplit(".", 1)
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:16]}.{extension}"


def write_content_addressed(dist: str) -> dict[str, str]:
    """Idempotent: run by Trunk's post_build hook (also under `trunk serve`) and again here."""
    names = {}
    for rel in DATA_FILES:
        path = os.path.join(dist, rel)
        if not os.path.exists(path):
            sys.exit(f"postbuild: dist/{rel} is missing")
        with open(path, "rb") as f:
            data = f.read()
        target = content_addressed(rel, data)
        with open(os.path.join(dist, target), "wb") as f:
            f.write(data)
        names["/" + rel] = "/" + target
    index = os.path.join(dist, "index.html")
    with open(index, encoding="utf-8") as f:
        page = f.read()
    preload = 'href="/assets/model.json"'
    hashed = f'href="{names["/assets/model.json"]}"'
    if preload in page:
        with open(index, "w", encoding="utf-8") as f:
            f.write(page.replace(preload, hashed))
    elif hashed not in page:
        sys.exit("postbuild: index.html has no preload of the model bundle")
    return names


def compress(dist: str) -> None:
    brotli = shutil.which("brotli")
    if brotli is None:
        sys.exit("postbuild: the `brotli` command is missing (Debian package brotli)")
    for rel in files_of(dist):
        if not rel.endswith(COMPRESSIBLE):
            continue
        path = os.path.join(dist, rel)
        with open(path, "rb") as f:
            data = f.read()
        with open(path + ".gz", "wb") as f:
            f.write(gzip.compress(data, compresslevel=9, mtime=0))
        subprocess.run([brotli, "-f", "-q", "11", "-o", path + ".br", path], check=True)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("dist", nargs="?", default=os.environ.get("TRUNK_STAGING_DIR"))
    args.add_argument("--csp-out", help="nginx file for $csp_script_hashes and $csp_style_hashes")
    args.add_argument(
        "--content-addressed-only",
        action="store_true",
        help="only step 3 (Trunk's post_build hook; skipped for pages without the data files)",
    )
    opts = args.parse_args()
    if not opts.dist:
        sys.exit("postbuild: give the dist folder (or run as Trunk's hook)")
    if opts.content_addressed_only:
        if not os.path.exists(os.path.join(opts.dist, "index.html")) or not os.path.exists(
            os.path.join(opts.dist, DATA_FILES[0])
        ):
            print("postbuild: no data files here (not the app's page); nothing to name")
            return
        write_content_addressed(opts.dist)
        return
    if not opts.csp_out:
        sys.exit("postbuild: --csp-out is required")

    names = write_content_addressed(opts.dist)
    index = os.path.join(opts.dist, "index.html")
    with open(index, encoding="utf-8") as f:
        page = load_after_first_paint(f.read())
    with open(index, "w", encoding="utf-8") as f:
        f.write(page)
    hashes, style_hashes = csp_hashes(page)
    os.makedirs(os.path.dirname(os.path.abspath(opts.csp_out)), exist_ok=True)
    with open(opts.csp_out, "w") as f:
        f.write('set $csp_script_hashes "%s";\n' % " ".join(hashes))
        f.write('set $csp_style_hashes "%s";\n' % " ".join(style_hashes))

    if os.path.exists(os.path.join(opts.dist, "sw.js")):
        write_precache(opts.dist)
    compress(opts.dist)
    print(
        f"postbuild: {len(hashes)} inline script hash(es), {len(style_hashes)} inline style hash(es), {len(names)} content-addressed data "
        f"files, {len(files_of(opts.dist))} files"
    )


if __name__ == "__main__":
    main()
