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
3. Compression: a gzip -9 and a brotli -q 11 copy next to every text/wasm file, served as is by
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
import shutil
import subprocess
import sys

# build.rs's list of the data files, where Trunk's hook reads it too.
from data_files import MANIFEST

COMPRESSIBLE = (".html", ".js", ".wasm", ".css", ".json", ".svg", ".webmanifest", ".txt", ".ico")
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


def write_precache(dist: str) -> None:
    with open(MANIFEST, encoding="utf-8") as f:
        not_precached = {"sw.js", *(file["served"].lstrip("/") for file in json.load(f))}
    entries = []
    for rel in files_of(dist):
        if rel in not_precached:
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
    opts = args.parse_args()
    with open(os.path.join(opts.dist, "index.html"), encoding="utf-8") as f:
        hashes, style_hashes = csp_hashes(f.read())
    os.makedirs(os.path.dirname(os.path.abspath(opts.csp_out)), exist_ok=True)
    with open(opts.csp_out, "w") as f:
        f.write('set $csp_script_hashes "%s";\n' % " ".join(hashes))
        f.write('set $csp_style_hashes "%s";\n' % " ".join(style_hashes))

    if os.path.exists(os.path.join(opts.dist, "sw.js")):
        write_precache(opts.dist)
    compress(opts.dist)
    print(
        f"postbuild: {len(hashes)} inline script hash(es), {len(style_hashes)} inline style hash(es), "
        f"{len(files_of(opts.dist))} files"
    )


if __name__ == "__main__":
    main()
