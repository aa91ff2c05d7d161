"""Writes one model's inputs for the browser benchmark page (bench/browser/bench.js) into OUT_DIR:
model.json (the project's bundle), model.onnx (the same LightGBM model converted by onnxmltools,
float32, as onnxruntime-web needs it), rows.f64 (row-major little-endian f64, NaN = missing),
lightgbm.f64 (LightGBM 4.7.0's outputs for those rows, one thread, row-major: one probability per
row for a binary model, one per class for a multiclass one) and meta.json. When onnxmltools
cannot convert the model, there is no model.onnx and meta.json says why (`onnx_error`).

Rows come either from a `reorder features` table (columns matched to the model's feature names
by name, empty = missing) or from an existing rows.f64.

Usage: browser_prep.py --name N --description TEXT --model-txt model.txt --bundle bundle.json
                       (--table table.csv | --rows-f64 rows.f64) --rows COUNT --out OUT_DIR
Run through bench/scripts/browser.sh.
"""

import argparse
import csv
import json
import math
import shutil
from pathlib import Path

import lightgbm as lgb
import numpy as np
import onnxmltools
from onnxmltools.convert.common.data_types import FloatTensorType


def rows_from_table(path, names, count):
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        missing = [name for name in names if name not in header]
        if missing:
            raise SystemExit(f"{path}: no column for features {missing}")
        columns = [header.index(name) for name in names]
        rows = []
        for line_number, record in enumerate(reader, start=2):
            if len(rows) == count:
                break
            try:
                rows.append([float(record[c]) if record[c] != "" else math.nan for c in columns])
            except ValueError as error:
                raise SystemExit(f"{path}: line {line_number}: {error}") from error
    if len(rows) < count:
        raise SystemExit(f"{path}: only {len(rows)} rows, {count} wanted")
    return np.array(rows, dtype=np.float64)


def main():
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--name", required=True)
    args.add_argument("--description", required=True)
    args.add_argument("--model-txt", required=True)
    args.add_argument("--bundle", required=True)
    args.add_argument("--table")
    args.add_argument("--rows-f64")
    args.add_argument("--rows", type=int, default=100_000)
    args.add_argument("--out", required=True)
    opts = args.parse_args()

    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    bundle = json.loads(Path(opts.bundle).read_text())
    names = [feature["name"] for feature in bundle["features"]]
    booster = lgb.Booster(model_file=opts.model_txt)
    if booster.feature_name() != names:
        raise SystemExit(f"{opts.model_txt} and {opts.bundle} name different features")
    width = len(names)

    if opts.table:
        rows = rows_from_table(opts.table, names, opts.rows)
    elif opts.rows_f64:
        rows = np.fromfile(opts.rows_f64, dtype="<f8").reshape(-1, width)[: opts.rows]
        if rows.shape[0] < opts.rows:
            raise SystemExit(f"{opts.rows_f64}: only {rows.shape[0]} rows, {opts.rows} wanted")
    else:
        raise SystemExit("give --table or --rows-f64")
    rows = np.ascontiguousarray(rows, dtype="<f8")

    probabilities = booster.predict(rows, num_threads=1)
    outputs = 1 if probabilities.ndim == 1 else probabilities.shape[1]
    rows.tofile(out / "rows.f64")
    np.ascontiguousarray(probabilities, dtype="<f8").tofile(out / "lightgbm.f64")
    shutil.copyfile(opts.bundle, out / "model.json")

    onnx_path = out / "model.onnx"
    onnx_path.unlink(missing_ok=True)
    onnx_error = None
    try:
        onnx_model = onnxmltools.convert_lightgbm(
            booster, initial_types=[("input", FloatTensorType([None, width]))], zipmap=False)
        onnx_path.write_bytes(onnx_model.SerializeToString())
    except Exception as error:  # noqa: BLE001 - the page reports it as n/a
        lines = str(error).strip().splitlines()
        onnx_error = f"onnxmltools {onnxmltools.__version__}: {type(error).__name__}: {lines[-1] if lines else ''}"[:300]
    dump = booster.dump_model()
    categorical_splits = 0
    for tree in dump["tree_info"]:
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_index" in node:
                categorical_splits += node["decision_type"] == "=="
                stack += [node["left_child"], node["right_child"]]

    (out / "meta.json").write_text(json.dumps({
        "name": opts.name,
        "description": opts.description,
        "width": width,
        "rows": int(rows.shape[0]),
        "threshold": bundle["threshold"],
        "nan_fraction": float(np.isnan(rows).mean()),
        "trees": booster.num_trees(),
        "objective": dump["objective"],
        "outputs": outputs,
        "categorical_splits": categorical_splits,
        "onnx_error": onnx_error,
        "onnx_bytes": onnx_path.stat().st_size if onnx_error is None else None,
        "bundle_bytes": (out / "model.json").stat().st_size,
    }, indent=1))


if __name__ == "__main__":
    main()
