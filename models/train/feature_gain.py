"""Writes models/feature_gain.json: LightGBM's total split gain per feature of models/model.txt
(every tree's split_feature and split_gain lines, summed per feature), keyed by the file's
sha256. The Predict page shows the features of the largest gain first
(src/model/feature_importance.rs); the converted bundle carries no gains, hence this file. A native
test (tests/it/feature_importance.rs) recomputes it from model.txt and fails when it is stale.

Usage: python3 models/train/feature_gain.py MODEL_TXT OUT_JSON
"""

import hashlib
import json
import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_path, out_path = sys.argv[1], sys.argv[2]
    raw = open(model_path, "rb").read()
    text = raw.decode("utf-8")
    names_line = re.search(r"^feature_names=(.*)$", text, re.M)
    if names_line is None:
        sys.exit(f"{model_path}: no feature_names line")
    names = names_line.group(1).split()
    gain = [0.0] * len(names)
    for features, gains in re.findall(r"^split_feature=(.*)\nsplit_gain=(.*)$", text, re.M):
        for feature, value in zip(features.split(), gains.split()):
            gain[int(feature)] += float(value)
    out = {
        "source_model_sha256": hashlib.sha256(raw).hexdigest(),
        "importance_type": "gain",
        "features": [{"name": name, "gain": value} for name, value in zip(names, gain)],
    }
    with open(out_path, "w") as f:
        f.write(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
