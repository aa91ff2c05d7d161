#!/usr/bin/env python3
"""Writes the tree to publish on a static host, a static Hugging Face Space first: the release
build in BUILD (scripts/dev.sh build, under its PUBLIC_URL) without its precompressed copies
(a static host serves the files as they are; nginx's gzip_static and brotli_static are what
they are for), and a README.md whose YAML header configures the Space (`sdk: static`,
`app_file`).

The tree asks nothing of the server: each route has its own copy of the page, the page carries
its own CSP, and every file's freshness comes from its name or the service worker (both written
by scripts/postbuild.py).

A plain host compresses nothing, so the big files are stored gzip-compressed under their own
names: the app's wasm, the content-addressed data files and the Web Worker's wasm. The page's
loader and the app tell them by gzip's magic number and decode them in the browser
(assets/boot/loader.js, src/browser/packed.rs); the worker's loader, Trunk's one-line shim, is
replaced by one that does the same (WORKER_LOADER below); the service worker's precache list gets
their new sha256 and version. The Hub refuses a binary file over 1 MB that is not stored with LFS, so
this is also what keeps the tree free of LFS: a binary file still over 1 MB is refused, as is
any file over 10 MB.

OUT is replaced except for a `.git` folder in it (a clone of the Space, to commit and push); a
non-empty OUT that is not such a tree is refused rather than emptied.
Standard library only.
"""
import gzip
import hashlib
import json
import os
import re
import shutil
import sys

# build.rs's list of the data files (their content-addressed names).
from data_files import MANIFEST
from postbuild import precache_version

MAX_FILE_BYTES = 10 * 1024 * 1024
# The Hub's limit for a binary file pushed without LFS.
MAX_BINARY_BYTES = 1024 * 1024
KEPT = {".git"}
# The app's wasm as Trunk names it (the worker's, fetched by its own loader, keeps its name).
APP_WASM = re.compile(r"[^/]+-[0-9a-f]{1,16}_bg\.wasm")
# The Web Worker's files (index.html's `data-bin="reorder_worker"`, not content-hashed).
WORKER_WASM = "reorder_worker_bg.wasm"
WORKER_LOADER_NAME = "reorder_worker_loader.js"
# Trunk 0.21's loader shim for a `data-bindgen-target="web"` worker, exactly: anything else means
# Trunk changed, and the replacement below would have to be checked again.
TRUNK_WORKER_SHIM = "import init from './reorder_worker.js';await init();"
# The worker's loader on a static tree: its wasm decoded when stored gzip-compressed (gzip's
# magic number, 1f 8b; a host that sends it with Content-Encoding has decoded it already).
WORKER_LOADER = """import init from './reorder_worker.js';
const response = await fetch(new URL('./reorder_worker_bg.wasm', import.meta.url));
if (!response.ok) throw new Error(`reorder_worker_bg.wasm answered ${response.status}`);
let bytes = new Uint8Array(await response.arrayBuffer());
if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
  const decoded = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  bytes = new Uint8Array(await new Response(decoded).arrayBuffer());
}
await init({ module_or_path: bytes });
"""
PRECACHE_START = "const PRECACHE = "
HEADER = """---
title: Instacart Reorder Predictor
emoji: 🛒
colorFrom: green
colorTo: yellow
sdk: static
app_file: index.html
custom_headers:
  cross-origin-opener-policy: same-origin
pinned: false
license: mit
short_description: Will this user reorder this product? LightGBM in the browser
---

# Instacart reorder predictor

A LightGBM model of whether an Instacart shopper buys a product again, scored in the browser by a
WebAssembly evaluator that matches LightGBM bit for bit. Nothing you enter leaves your browser.

These files are a build of the app: every page opens by its own URL, the page carries its own
Content-Security-Policy, and after one visit the app works offline. Built from the project's
sources with `scripts/dev.sh static-space DIR`.
"""


def refuse(message: str) -> None:
    sys.exit(f"static-space: {message}")


def is_static_tree(out: str) -> bool:
    names = set(os.listdir(out)) - KEPT
    if not names:
        return True
    readme = os.path.join(out, "README.md")
    if not os.path.isfile(readme):
        return False
    with open(readme, encoding="utf-8", errors="replace") as f:
        return "\nsdk: static\n" in f.read(2000)


def is_binary(path: str) -> bool:
    """git's rule: a NUL byte in the first 8,000 bytes."""
    with open(path, "rb") as f:
        return b"\0" in f.read(8000)


def packed_files(files: list[str]) -> list[str]:
    with open(MANIFEST, encoding="utf-8") as f:
        data = {entry["url"].lstrip("/") for entry in json.load(f)}
    packed = [rel for rel in files if APP_WASM.fullmatch(rel) or rel in data or rel == WORKER_WASM]
    if not any(APP_WASM.fullmatch(rel) for rel in packed) or not data <= set(files):
        refuse(f"the build lacks the app's wasm or a data file of {MANIFEST}: {sorted(data - set(files))}")
    if WORKER_WASM not in packed or WORKER_LOADER_NAME not in files:
        refuse(f"the build lacks the worker's {WORKER_WASM} or {WORKER_LOADER_NAME}")
    return packed


def pack(out: str, packed: list[str]) -> None:
    """Each file gzip-compressed in place, the worker's loader replaced by one that decodes its
    wasm, and the precache list in sw.js told so."""
    digests = {}
    for rel in packed:
        path = os.path.join(out, rel)
        with open(path, "rb") as f:
            data = gzip.compress(f.read(), compresslevel=9, mtime=0)
        with open(path, "wb") as f:
            f.write(data)
        digests[rel] = hashlib.sha256(data).hexdigest()
    loader_path = os.path.join(out, WORKER_LOADER_NAME)
    with open(loader_path, encoding="utf-8") as f:
        shim = f.read()
    if shim.strip() != TRUNK_WORKER_SHIM:
        refuse(f"{WORKER_LOADER_NAME} is not Trunk's shim as this script knows it: {shim[:200]!r}")
    with open(loader_path, "w", encoding="utf-8") as f:
        f.write(WORKER_LOADER)
    digests[WORKER_LOADER_NAME] = hashlib.sha256(WORKER_LOADER.encode()).hexdigest()
    sw_path = os.path.join(out, "sw.js")
    with open(sw_path, encoding="utf-8") as f:
        sw = f.read()
    start = sw.index(PRECACHE_START) + len(PRECACHE_START)
    end = sw.index(";\n", start)
    manifest = json.loads(sw[start:end])
    for entry in manifest["files"]:
        for rel, digest in digests.items():
            if entry["url"].endswith("/" + rel):
                entry["sha256"] = digest
    listed = sum(1 for entry in manifest["files"] if entry["sha256"] in digests.values())
    if listed != len(digests):
        refuse(f"sw.js lists {listed} of the {len(digests)} compressed or rewritten files")
    manifest["version"] = precache_version(manifest["files"])
    with open(sw_path, "w", encoding="utf-8") as f:
        f.write(sw[:start] + json.dumps(manifest, separators=(",", ":")) + sw[end:])


def main() -> None:
    # The Hub shows at most 60 characters of it and refuses a longer one.
    description = re.search(r"^short_description: (.*)$", HEADER, re.M)[1]
    if len(description) > 60:
        refuse(f"short_description has {len(description)} characters, the Hub takes 60")
    if len(sys.argv) != 3:
        refuse("usage: static_space.py BUILD OUT")
    build, out = sys.argv[1], sys.argv[2]
    if not os.path.isfile(os.path.join(build, "index.html")):
        refuse(f"{build} has no index.html: build first (scripts/dev.sh build)")
    files = []
    for folder, _, names in os.walk(build):
        for name in sorted(names):
            if not name.endswith((".gz", ".br")):
                files.append(os.path.relpath(os.path.join(folder, name), build))
    packed = packed_files(files)
    for own in ("README.md", ".gitattributes"):
        if own in files:
            refuse(f"the build has a {own} of its own, which the Space's would replace")
    too_big = [
        f"{rel} ({os.path.getsize(os.path.join(build, rel))} bytes)"
        for rel in files
        if os.path.getsize(os.path.join(build, rel)) > MAX_FILE_BYTES
    ]
    if too_big:
        refuse("files over 10 MB would need LFS on the Space: " + ", ".join(too_big))

    if os.path.exists(out):
        if not os.path.isdir(out):
            refuse(f"{out} is a file, not a folder")
        if not is_static_tree(out):
            refuse(f"{out} is not empty and is not a static Space's tree (no README.md with `sdk: static`): not touched")
        for name in os.listdir(out):
            if name in KEPT:
                continue
            path = os.path.join(out, name)
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
    os.makedirs(out, exist_ok=True)
    for rel in files:
        target = os.path.join(out, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(build, rel), target)
    pack(out, packed)
    big_binary = [
        f"{rel} ({os.path.getsize(os.path.join(out, rel))} bytes)"
        for rel in files
        if os.path.getsize(os.path.join(out, rel)) > MAX_BINARY_BYTES and is_binary(os.path.join(out, rel))
    ]
    if big_binary:
        refuse("binary files over 1 MB would need LFS on the Space: " + ", ".join(big_binary))
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(HEADER)
    print(f"static-space: {len(files)} files ({len(packed)} kept gzip-compressed) and README.md in {out}")


if __name__ == "__main__":
    main()
