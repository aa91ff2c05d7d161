#!/usr/bin/env python3
"""Finishes a release build in dist/ for the production server.

1. CSP: the sha256 of every inline <script> in index.html (Trunk's wasm loader), written as the
   nginx line `set $csp_script_hashes "...";` so the policy allows exactly this build's loader.
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
import shutil
import subprocess
import sys

COMPRESSIBLE = (".html", ".js", ".wasm", ".css", ".json", ".svg", ".webmanifest", ".txt", ".ico")
DATA_FILES = ("assets/model.json", "assets/catalog.json", "assets/demo_users.json", "assets/metrics.json",
              "assets/personal_model.json")
NOT_PRECACHED = {"sw.js", *DATA_FILES}
PLACEHOLDER = "/*PRECACHE_MANIFEST*/ { version: 'dev', files: [] }"


class InlineScripts(html.parser.HTMLParser):
    """Collects the text of every <script> element that has no src attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.scripts = []
        self._inside = False
        self._parts = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._inside = True
            self._parts = []

    def handle_endtag(self, tag):
        if tag == "script" and self._inside:
            self.scripts.append("".join(self._parts))
            self._inside = False

    def handle_data(self, data):
        if self._inside:
            self._parts.append(data)


def csp_hashes(index_html: str) -> list[str]:
    parser = InlineScripts()
    parser.feed(index_html)
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
        for s in parser.scripts
    ]


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
    args.add_argument("--csp-out", help="nginx file for $csp_script_hashes")
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

    index = os.path.join(opts.dist, "index.html")
    with open(index, encoding="utf-8") as f:
        hashes = csp_hashes(f.read())
    os.makedirs(os.path.dirname(os.path.abspath(opts.csp_out)), exist_ok=True)
    with open(opts.csp_out, "w") as f:
        f.write('set $csp_script_hashes "%s";\n' % " ".join(hashes))

    names = write_content_addressed(opts.dist)
    if os.path.exists(os.path.join(opts.dist, "sw.js")):
        write_precache(opts.dist)
    compress(opts.dist)
    print(
        f"postbuild: {len(hashes)} inline script hash(es), {len(names)} content-addressed data "
        f"files, {len(files_of(opts.dist))} files"
    )


if __name__ == "__main__":
    main()
