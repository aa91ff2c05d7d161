#!/usr/bin/env python3
"""Finishes a release build in dist/ for the production server, with what Trunk does not do
(Trunk has built the page, its loader and the data files by then: Trunk.toml, build.rs).

1. CSP: the sha256 of every inline <script> (the loader) and <style> (the loading layer's) in
   index.html, written as the nginx lines `set $csp_script_hashes "...";` and
   `set $csp_style_hashes "...";` so the policy allows exactly this build's.
2. Offline: if dist/sw.js exists, writes this build's precache list (every file of dist/ with its
   sha256, and a version derived from them) into it, in place of its PRECACHE placeholder, so a
   new build is a new service worker. The data files' plain names (build.rs's manifest) are left
   out: the app fetches their content-addressed copies, which are precached.
3. A static host's needs (nothing asked of the server): the same policy as a
   `<meta http-equiv="Content-Security-Policy">` first in the page's head (deploy/headers.conf's
   policy with this build's hashes, less `frame-ancestors`, which a meta tag cannot carry), and a
   copy of the page in a folder per route of the app's router (`dashboard/index.html`, ...), so
   that every route opens by its own URL on a server with no fallback to index.html.
4. Compression: a gzip -9 and a brotli -q 11 copy next to every text/wasm file, served as is by
   nginx's gzip_static / brotli_static.
Runs once per build (scripts/dev.sh build): step 2 refuses a service worker already filled in.
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

# build.rs's list of the data files, where Trunk's hook reads it too.
from data_files import MANIFEST

COMPRESSIBLE = (".html", ".js", ".wasm", ".css", ".json", ".svg", ".webmanifest", ".txt", ".ico")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The policy's one text: the nginx header, whose variables this script fills in for the meta tag.
HEADERS_CONF = os.path.join(ROOT, "deploy", "headers.conf")
# The app's routes, read from its router (`<Route path=path!("/demo") .../>`).
ROUTER = os.path.join(ROOT, "src", "web", "mod.rs")
ROUTE = re.compile(r'<Route path=path!\("(/[^"]*)"\)')
CHARSET = '<meta charset="utf-8" />'

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


def precache_version(entries: list[dict]) -> str:
    """The service worker's version: derived from every precached file's URL and sha256, so
    another content is another worker (and another cache)."""
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()[:16]


def write_precache(dist: str, public_url: str, route_pages: list[str]) -> None:
    with open(MANIFEST, encoding="utf-8") as f:
        not_precached = {"sw.js", *route_pages, *(file["served"].lstrip("/") for file in json.load(f))}
    entries = []
    for rel in files_of(dist):
        if rel in not_precached:
            continue
        with open(os.path.join(dist, rel), "rb") as f:
            entries.append({"url": public_url + rel, "sha256": hashlib.sha256(f.read()).hexdigest()})
    version = precache_version(entries)
    sw_path = os.path.join(dist, "sw.js")
    with open(sw_path, encoding="utf-8") as f:
        sw = f.read()
    if PLACEHOLDER not in sw:
        sys.exit("postbuild: dist/sw.js has no PRECACHE placeholder (already processed?)")
    manifest = json.dumps({"version": version, "files": entries}, separators=(",", ":"))
    with open(sw_path, "w", encoding="utf-8") as f:
        f.write(sw.replace(PLACEHOLDER, manifest))


def page_policy(script_hashes: list[str], style_hashes: list[str]) -> str:
    """deploy/headers.conf's Content-Security-Policy with this build's hashes, for a meta tag:
    without `frame-ancestors` (ignored in a meta tag; only a header can say who may embed)."""
    with open(HEADERS_CONF, encoding="utf-8") as f:
        found = re.search(r'add_header Content-Security-Policy "([^"]+)" always;', f.read())
    if found is None:
        sys.exit(f"postbuild: no Content-Security-Policy header in {HEADERS_CONF}")
    policy = found[1].replace("$csp_script_hashes", " ".join(script_hashes))
    policy = policy.replace("$csp_style_hashes", " ".join(style_hashes))
    kept = [part.strip() for part in policy.split(";") if not part.strip().startswith("frame-ancestors")]
    if any("$" in part for part in kept):
        sys.exit(f"postbuild: the policy has a variable this script does not fill in: {kept}")
    return "; ".join(" ".join(part.split()) for part in kept)


def with_meta_policy(page: str, policy: str) -> str:
    """The policy first in the head, before any script or style it governs."""
    if 'http-equiv="Content-Security-Policy"' in page:
        sys.exit("postbuild: index.html already has a meta policy (already processed?)")
    if page.count(CHARSET) != 1:
        sys.exit(f"postbuild: index.html must have {CHARSET} once, first in its head")
    if '"' in policy:
        sys.exit(f"postbuild: the policy has a double quote, which would end the meta tag's content: {policy}")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy, quote=False)}" />'
    return page.replace(CHARSET, CHARSET + "\n    " + meta)


def routes() -> list[str]:
    with open(ROUTER, encoding="utf-8") as f:
        found = ROUTE.findall(f.read())
    if "/" not in found or len(found) < 2:
        sys.exit(f"postbuild: found the routes {found} in {ROUTER}; the pattern no longer matches the router")
    return [route for route in found if route != "/"]


def write_route_pages(dist: str, page: str) -> list[str]:
    """A copy of the page per route (`demo/index.html`): a server with no fallback then answers
    `/demo` (after its own redirect to `/demo/`) with the app."""
    written = []
    for route in routes():
        rel = route.strip("/") + "/index.html"
        os.makedirs(os.path.join(dist, os.path.dirname(rel)), exist_ok=True)
        with open(os.path.join(dist, rel), "w", encoding="utf-8") as f:
            f.write(page)
        written.append(rel)
    return written


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
    args.add_argument("dist")
    args.add_argument("--csp-out", required=True, help="nginx file for $csp_script_hashes and $csp_style_hashes")
    args.add_argument("--public-url", default="/", help="the path the build is served under (PUBLIC_URL)")
    opts = args.parse_args()
    if not (opts.public_url.startswith("/") and opts.public_url.endswith("/")):
        sys.exit(f"postbuild: --public-url must start and end with `/`, got {opts.public_url!r}")
    index = os.path.join(opts.dist, "index.html")
    with open(index, encoding="utf-8") as f:
        page = f.read()
    hashes, style_hashes = csp_hashes(page)
    page = with_meta_policy(page, page_policy(hashes, style_hashes))
    with open(index, "w", encoding="utf-8") as f:
        f.write(page)
    route_pages = write_route_pages(opts.dist, page)
    os.makedirs(os.path.dirname(os.path.abspath(opts.csp_out)), exist_ok=True)
    with open(opts.csp_out, "w") as f:
        f.write('set $csp_script_hashes "%s";\n' % " ".join(hashes))
        f.write('set $csp_style_hashes "%s";\n' % " ".join(style_hashes))

    if os.path.exists(os.path.join(opts.dist, "sw.js")):
        write_precache(opts.dist, opts.public_url, route_pages)
    compress(opts.dist)
    print(
        f"postbuild: {len(hashes)} inline script hash(es), {len(style_hashes)} inline style hash(es), "
        f"{len(route_pages)} route pages, "
        f"{len(files_of(opts.dist))} files"
    )


if __name__ == "__main__":
    main()
