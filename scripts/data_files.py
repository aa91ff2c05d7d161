#!/usr/bin/env python3
"""Trunk's post_build hook (Trunk.toml): puts the app's data files into the build, under their
plain names and their content-addressed ones, as build.rs listed and named them in
target/data-files/manifest.json (the app fetches the content-addressed names build.rs compiled
in; the plain ones stay for people and scripts). It runs for `trunk serve` as for release builds.

It also refuses a page whose loader Trunk left with a `{parameter}` it could not fill (Trunk's
`pattern_params` leaves the sequence as is when an `@file` cannot be read, with no error).
Standard library only.
"""
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFEST = os.path.join(ROOT, "target", "data-files", "manifest.json")
UNFILLED = re.compile(r"\{(?:loader|data_urls|base|js|wasm)\}")


def main() -> None:
    staging = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else None)
    if not staging:
        sys.exit("data_files: give the build folder (or run as Trunk's hook)")
    index = os.path.join(staging, "index.html")
    with open(index, encoding="utf-8") as f:
        unfilled = UNFILLED.findall(f.read())
    if unfilled:
        sys.exit(f"data_files: index.html's loader has {unfilled} unfilled (is {MANIFEST} there?)")
    with open(MANIFEST, encoding="utf-8") as f:
        files = json.load(f)
    for file in files:
        with open(os.path.join(ROOT, file["source"]), "rb") as f:
            data = f.read()
        if hashlib.sha256(data).hexdigest() != file["sha256"]:
            sys.exit(f"data_files: {file['source']} changed since build.rs listed it: build again")
        for name in (file["served"], file["url"]):
            target = os.path.join(staging, name.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
    print(f"data_files: {len(files)} data files, each under its plain and content-addressed name")


if __name__ == "__main__":
    main()
