#!/usr/bin/env python3
"""Writes the tree to publish on a static host, a static Hugging Face Space first: the release
build in BUILD (scripts/dev.sh build, under its PUBLIC_URL) without its precompressed copies
(a static host serves the files as they are; nginx's gzip_static and brotli_static are what
they are for), and a README.md whose YAML header configures the Space (`sdk: static`,
`app_file`).

The tree asks nothing of the server: each route has its own copy of the page, the page carries
its own CSP, and every file's freshness comes from its name or the service worker (both written
by scripts/postbuild.py). No file may be over 10 MB; binary files (the wasm, the icons) are
marked for LFS in a .gitattributes, as the Hub asks of binary files over 1 MB.

OUT is replaced except for a `.git` folder in it (a clone of the Space, to commit and push); a
non-empty OUT that is not such a tree is refused rather than emptied.
Standard library only.
"""
import os
import shutil
import sys

MAX_FILE_BYTES = 10 * 1024 * 1024
KEPT = {".git"}
# The Hub refuses binary files over 1 MB that are not stored with LFS (or Xet): the app's wasm is
# one, so every binary kind of the build goes through LFS (scripts/publish_static_space.sh).
GITATTRIBUTES = """*.wasm filter=lfs diff=lfs merge=lfs -text
*.png filter=lfs diff=lfs merge=lfs -text
"""
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
short_description: Will this user reorder this product? LightGBM in your browser
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


def main() -> None:
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
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(HEADER)
    with open(os.path.join(out, ".gitattributes"), "w", encoding="utf-8") as f:
        f.write(GITATTRIBUTES)
    print(f"static-space: {len(files)} files, README.md and .gitattributes in {out}")


if __name__ == "__main__":
    main()
