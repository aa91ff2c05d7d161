"""Benchmark: LightGBM 4.7.0 predict (one thread) against the project's evaluator on three stress
models, each scoring 100k rows, with lleaves 1.3.0 (LLVM-compiled, not bit-exact) as a third
column:

- binary: 500 trees x 63 leaves x 31 features (8% NaN), and `reorder predict` end to end (CSV in
  and out);
- categorical: binary, 500 trees x 63 leaves x 31 features of which 6 are categorical (8 to 5,000
  categories, two with NaN in training), trained so that many splits are categorical; the rows to
  score hold unseen, negative and NaN categories; `reorder predict` end to end as well;
- multiclass: 10 classes, 100 iterations (1,000 trees) x 31 leaves x 31 features (8% NaN); every
  one of the 10 probabilities per row is compared.

Prints one table per model: rows/s over 100k rows, single-row latency (median of 10k calls), the
ratios to LightGBM, how many output values differ from LightGBM's bits (lleaves: its max
|difference|). The models are trained once and kept in the work directory.
Run through bench/scripts/evaluator.sh.
"""

import importlib.metadata
import json
import math
import multiprocessing
import os
import queue
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import lightgbm as lgb
import lleaves
import numpy as np

NUM_FEATURES = 31
ROWS = 100_000
SINGLE_CALLS = 10_000

# The categorical stress model: (column, number of categories, NaN share in training).
CATEGORICAL = [(1, 8, 0.0), (5, 20, 0.0), (9, 50, 0.10), (14, 200, 0.0), (20, 1000, 0.10), (26, 5000, 0.0)]
NUM_CLASSES = 10


def time_lightgbm(booster, rows):
    """Best of 3 batch predictions (wall and CPU) and the median single-row latency, one thread."""
    best = float("inf")
    best_cpu = float("inf")
    for _ in range(3):
        cpu_start = time.process_time()
        start = time.perf_counter()
        outputs = booster.predict(rows, num_threads=1)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu_start)
    latencies = []
    for i in range(SINGLE_CALLS):
        row = rows[i:i + 1]
        start = time.perf_counter()
        booster.predict(row, num_threads=1)
        latencies.append(time.perf_counter() - start)
    return {"rows_per_s": len(rows) / best, "rows_per_cpu_s": len(rows) / best_cpu,
            "single_us": float(np.median(latencies)) * 1e6,
            "outputs": np.ascontiguousarray(outputs, dtype=np.float64)}


def time_lleaves(model_path, cache, rows, reference):
    """lleaves, compiled once (the object file is cached next to the model), n_jobs=1."""
    compiled = lleaves.Model(model_file=str(model_path))
    compiled.compile(cache=str(cache))
    best = float("inf")
    best_cpu = float("inf")
    for _ in range(3):
        cpu_start = time.process_time()
        start = time.perf_counter()
        outputs = compiled.predict(rows, n_jobs=1)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu_start)
    latencies = []
    for i in range(SINGLE_CALLS):
        row = rows[i:i + 1]
        start = time.perf_counter()
        compiled.predict(row, n_jobs=1)
        latencies.append(time.perf_counter() - start)
    outputs = np.ascontiguousarray(outputs, dtype=np.float64).reshape(reference.shape)
    return {"rows_per_s": len(rows) / best, "rows_per_cpu_s": len(rows) / best_cpu,
            "single_us": float(np.median(latencies)) * 1e6,
            "mismatches": int(np.count_nonzero(outputs.view(np.uint64) != reference.view(np.uint64))),
            "max_diff": float(np.max(np.abs(outputs - reference)))}


def time_ours(root, work, name, model_path, bench_cmd, reorder, rows, reference):
    """Converts the model to a bundle and runs the cargo bench entry (bench/evaluator.rs) on the
    rows, which compares every output value with LightGBM's bits."""
    rows_path = work / f"{name}.rows.f64"
    reference_path = work / f"{name}.lightgbm.f64"
    rows.astype("<f8").tofile(rows_path)
    reference.astype("<f8").tofile(reference_path)
    bundle = work / f"{name}.json"
    subprocess.run([reorder, "convert", "--model", str(model_path), "--threshold", "0.5",
                    "--out", str(bundle)], check=True)
    output = subprocess.run(bench_cmd + [str(bundle), str(rows_path), str(reference_path)],
                            check=True, capture_output=True, text=True, cwd=root).stdout
    return json.loads(output.strip().splitlines()[-1])


def time_cli(reorder, work, bundle, rows, reference, csv_path, scored_path):
    """`reorder predict` end to end: the rows as a CSV (17-digit values, empty = missing), one
    thread and all cores, best of 3; its probabilities compared with LightGBM's bits."""
    with open(csv_path, "w") as out:
        out.write("id," + ",".join(f"Column_{j}" for j in range(rows.shape[1])) + "\n")
        for i, row in enumerate(rows):
            out.write(str(i) + "," + ",".join("" if math.isnan(v) else repr(float(v)) for v in row) + "\n")
    cli = {}
    for threads in ("1", str(os.cpu_count())):
        best_wall = float("inf")
        best_cpu = float("inf")
        for _ in range(3):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([reorder, "predict", "--threads", threads, "--bundle", str(bundle),
                            "--input", str(csv_path), "--output", str(scored_path)], check=True)
            best_wall = min(best_wall, time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            best_cpu = min(best_cpu, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        with open(scored_path) as scored:
            next(scored)
            cli_probabilities = np.array([float(line.split(",")[1]) for line in scored])
        cli_mismatches = int(np.count_nonzero(cli_probabilities.view(np.uint64) != reference.view(np.uint64)))
        cli[threads] = (len(rows) / best_wall, len(rows) / best_cpu, cli_mismatches)
    return cli


def load_average():
    with open("/proc/loadavg") as loadavg:
        return loadavg.read().split()[0]


def print_table(header, value_column, lgb_m, lleaves_m, ours, cli, notes=()):
    """One model's table, in the binary model's layout. `lleaves_m` is a dict or an error string;
    `cli` maps thread counts to (wall, cpu, mismatches), or is an error string, or None (no row)."""
    print(header)
    print()
    print(f"| evaluator | rows/s, wall (100k rows) | rows per CPU-second | single row (median of 10k) | {value_column} |")
    print("|---|---|---|---|---|")
    print(f"| LightGBM {lgb.__version__} predict (num_threads=1) | {lgb_m['rows_per_s']:,.0f} | {lgb_m['rows_per_cpu_s']:,.0f} | {lgb_m['single_us']:.1f} us | reference |")
    name = f"lleaves {importlib.metadata.version('lleaves')} predict (n_jobs=1)"
    if isinstance(lleaves_m, dict):
        print(f"| {name} | {lleaves_m['rows_per_s']:,.0f} ({lleaves_m['rows_per_s'] / lgb_m['rows_per_s']:.1f}x) | {lleaves_m['rows_per_cpu_s']:,.0f} ({lleaves_m['rows_per_cpu_s'] / lgb_m['rows_per_cpu_s']:.1f}x) | {lleaves_m['single_us']:.1f} us | {lleaves_m['mismatches']:,} (max abs diff {lleaves_m['max_diff']:.1e}) |")
    else:
        print(f"| {name} | n/a | n/a | n/a | n/a ({lleaves_m}) |")
    print(f"| instacart-reorder (native) | {ours['batch_rows_per_s']:,.0f} ({ours['batch_rows_per_s'] / lgb_m['rows_per_s']:.1f}x) | {ours['batch_rows_per_cpu_s']:,.0f} ({ours['batch_rows_per_cpu_s'] / lgb_m['rows_per_cpu_s']:.1f}x) | {ours['single_row_median_us']:.2f} us ({lgb_m['single_us'] / ours['single_row_median_us']:.1f}x faster) | {ours['mismatches']} |")
    if isinstance(cli, dict):
        for threads, (wall, cpu, mismatches) in cli.items():
            print(f"| `reorder predict --threads {threads}`, CSV in and out | {wall:,.0f} ({wall / lgb_m['rows_per_s']:.1f}x) | {cpu:,.0f} ({cpu / lgb_m['rows_per_cpu_s']:.1f}x) | | {mismatches} |")
    elif cli is not None:
        print(f"| `reorder predict`, CSV in and out | n/a | n/a | | n/a ({cli}) |")
    print()
    print("(x) = ratio to LightGBM's in-memory predict in the same column.")
    for note in notes:
        print(note)
    sys.stdout.flush()


def one_line(error):
    """An exception as one short line for a table cell."""
    text = str(error).strip().splitlines()
    text = text[-1] if text else ""
    return f"{type(error).__name__}: {text}"[:160].replace("|", "/")


# lleaves runs on a thread with this stack: its code for the categorical model keeps every
# categorical node's bitset (up to 157 words for 5,000 categories) on the stack of one function,
# which overflows the main thread's 8 MiB (SIGSEGV). The size does not change its speed.
LLEAVES_STACK = 512 << 20


def _lleaves_child(results, model_path, cache, rows, reference):
    def work():
        try:
            results.put(("ok", time_lleaves(model_path, cache, rows, reference)))
        except Exception as error:  # noqa: BLE001 - reported in the table as n/a
            results.put(("error", one_line(error)))

    threading.stack_size(LLEAVES_STACK)
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def lleaves_or_reason(model_path, cache, rows, reference):
    """time_lleaves in a forked child (on a thread with a LLEAVES_STACK stack), so that an LLVM
    compile that runs for too long (lleaves turns each categorical bitset into one vector constant,
    which LLVM compiles slowly) or crashes becomes "n/a" with its reason: LLEAVES_TIMEOUT seconds (default 1200) for the whole step.
    A timeout is remembered next to the cache, and a later run with no longer timeout skips it."""
    timeout = float(os.environ.get("LLEAVES_TIMEOUT", "1200"))
    marker = Path(f"{cache}.timeout")
    if not Path(cache).exists() and marker.exists() and float(marker.read_text()) >= timeout:
        return (f"its LLVM compile had not finished after {float(marker.read_text()) / 60:.0f} min in an earlier"
                f" run; LLEAVES_TIMEOUT=seconds to try longer")
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_lleaves_child, args=(results, model_path, cache, rows, reference))
    child.start()
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                status, value = results.get(timeout=1)
                break
            except queue.Empty:
                if child.exitcode is not None and results.empty():
                    return f"lleaves died (exit code {child.exitcode}) with a {LLEAVES_STACK >> 20} MiB stack"
                if time.monotonic() > deadline:
                    marker.write_text(f"{timeout:.0f}")
                    return (f"its LLVM compile had not finished after {timeout / 60:.0f} min;"
                            f" LLEAVES_TIMEOUT=seconds to wait longer")
    finally:
        if child.is_alive():
            child.kill()
        child.join()
    marker.unlink(missing_ok=True)
    return value


def binary_model(root, work, bench_cmd, reorder):
    rng = np.random.default_rng(42)
    model_path = work / "stress.txt"
    if not model_path.exists():
        n = 60_000
        x = rng.normal(size=(n, NUM_FEATURES))
        x[rng.random(x.shape) < 0.08] = np.nan
        weights = rng.normal(size=NUM_FEATURES)
        signal = np.nan_to_num(x, nan=0.3) @ weights + np.sin(np.nan_to_num(x[:, 0]) * 3)
        y = (signal + rng.normal(size=n) * 2 > 0).astype(int)
        booster = lgb.train(
            {"objective": "binary", "num_leaves": 63, "min_data_in_leaf": 5, "verbose": -1,
             "seed": 1, "num_threads": 2, "learning_rate": 0.05},
            lgb.Dataset(x, y), 500)
        booster.save_model(str(model_path))
    booster = lgb.Booster(model_file=str(model_path))
    assert booster.num_trees() == 500, booster.num_trees()

    rows = rng.normal(scale=1.5, size=(ROWS, NUM_FEATURES))
    rows[rng.random(rows.shape) < 0.08] = np.nan
    rows = np.ascontiguousarray(rows, dtype=np.float64)

    lgb_m = time_lightgbm(booster, rows)
    probabilities = lgb_m["outputs"]
    ll = lleaves_or_reason(model_path, work / "stress.lleaves.o", rows, probabilities)

    # The binary model's files keep their names (rows.f64, lightgbm.f64, stress.json): the
    # browser benchmark reads them.
    rows.astype("<f8").tofile(work / "rows.f64")
    probabilities.astype("<f8").tofile(work / "lightgbm.f64")
    subprocess.run([reorder, "convert", "--model", str(model_path), "--threshold", "0.5",
                    "--out", str(work / "stress.json")], check=True)
    output = subprocess.run(bench_cmd + [str(work / "stress.json"), str(work / "rows.f64"),
                                         str(work / "lightgbm.f64")],
                            check=True, capture_output=True, text=True, cwd=root).stdout
    ours = json.loads(output.strip().splitlines()[-1])

    # Written every run: a file left by an earlier run may hold other rows (the browser benchmark
    # writes the same directory).
    cli = time_cli(reorder, work, work / "stress.json", rows, probabilities, work / "rows.csv", work / "scored.csv")

    print_table(f"stress model: 500 trees x 63 leaves x {NUM_FEATURES} features, {ROWS:,} rows (8% NaN), one thread;"
                f" load average {load_average()} at the end",
                "probabilities != LightGBM's bits", lgb_m, ll, ours, cli)


def categorical_splits(booster):
    """(categorical splits, all splits) over the model's trees."""
    categorical = total = 0
    for tree in booster.dump_model()["tree_info"]:
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_index" in node:
                total += 1
                categorical += node["decision_type"] == "=="
                stack += [node["left_child"], node["right_child"]]
    return categorical, total


def categorical_model(root, work, bench_cmd, reorder):
    model_path = work / "categorical.txt"
    cat_columns = [column for column, _, _ in CATEGORICAL]
    if not model_path.exists():
        rng = np.random.default_rng(1001)
        n = 100_000
        x = rng.normal(size=(n, NUM_FEATURES))
        numeric = [j for j in range(NUM_FEATURES) if j not in cat_columns]
        x[:, numeric] = np.where(rng.random((n, len(numeric))) < 0.08, np.nan, x[:, numeric])
        signal = np.nan_to_num(x[:, numeric], nan=0.3) @ rng.normal(size=len(numeric))
        for column, categories, nan_share in CATEGORICAL:
            codes = rng.integers(0, categories, size=n)
            effects = rng.normal(size=categories)
            signal += effects[codes]
            x[:, column] = codes
            if nan_share:
                missing = rng.random(n) < nan_share
                x[missing, column] = np.nan
                signal[missing] += 0.8
        y = (signal + rng.normal(size=n) * 1.5 > 0).astype(int)
        booster = lgb.train(
            {"objective": "binary", "num_leaves": 63, "min_data_in_leaf": 5, "verbose": -1,
             "seed": 1, "num_threads": 2, "learning_rate": 0.05, "max_cat_to_onehot": 4,
             "min_data_per_group": 5, "cat_smooth": 1.0, "cat_l2": 1.0},
            lgb.Dataset(x, y, categorical_feature=cat_columns), 500)
        booster.save_model(str(model_path))
    booster = lgb.Booster(model_file=str(model_path))
    assert booster.num_trees() == 500, booster.num_trees()

    # Rows to score: numeric as the binary model's; categorical codes up to 20% past the trained
    # range (unseen), 1% negative (LightGBM: missing) and 5% NaN in every categorical column.
    rng = np.random.default_rng(1002)
    rows = rng.normal(scale=1.5, size=(ROWS, NUM_FEATURES))
    rows[rng.random(rows.shape) < 0.08] = np.nan
    for column, categories, _ in CATEGORICAL:
        codes = rng.integers(0, int(categories * 1.2) + 1, size=ROWS).astype(np.float64)
        draw = rng.random(ROWS)
        codes[draw < 0.05] = np.nan
        codes[(draw >= 0.05) & (draw < 0.06)] = -1.0
        rows[:, column] = codes
    rows = np.ascontiguousarray(rows, dtype=np.float64)

    lgb_m = time_lightgbm(booster, rows)
    ll = lleaves_or_reason(model_path, work / "categorical.lleaves.o", rows, lgb_m["outputs"])
    ours = time_ours(root, work, "categorical", model_path, bench_cmd, reorder, rows, lgb_m["outputs"])
    try:
        cli = time_cli(reorder, work, work / "categorical.json", rows, lgb_m["outputs"],
                       work / "categorical.rows.csv", work / "categorical.scored.csv")
    except Exception as error:  # noqa: BLE001 - reported in the table as n/a
        cli = one_line(error)
    cat_splits, splits = categorical_splits(booster)
    unseen = sum(int(np.count_nonzero(rows[:, c] >= k)) for c, k, _ in CATEGORICAL)
    print_table(f"categorical stress model: binary, 500 trees x 63 leaves x {NUM_FEATURES} features, "
                f"{len(CATEGORICAL)} categorical ({', '.join(str(k) for _, k, _ in CATEGORICAL)} categories); "
                f"{cat_splits:,} of {splits:,} splits categorical; {ROWS:,} rows (numeric 8% NaN; categorical "
                f"5% NaN, 1% negative, {unseen / (ROWS * len(CATEGORICAL)):.0%} unseen codes), one thread;"
                f" load average {load_average()} at the end",
                "probabilities != LightGBM's bits", lgb_m, ll, ours, cli,
                notes=[f"lleaves runs on a thread with a {LLEAVES_STACK >> 20} MiB stack (all three models): its code for"
                       " this model overflows the default 8 MiB one (SIGSEGV)."])


def multiclass_model(root, work, bench_cmd, reorder):
    model_path = work / "multiclass.txt"
    if not model_path.exists():
        rng = np.random.default_rng(2001)
        n = 60_000
        x = rng.normal(size=(n, NUM_FEATURES))
        x[rng.random(x.shape) < 0.08] = np.nan
        weights = rng.normal(size=(NUM_FEATURES, NUM_CLASSES))
        filled = np.nan_to_num(x, nan=0.3)
        signal = filled @ weights + np.sin(filled[:, :NUM_CLASSES] * 3) * 2
        y = np.argmax(signal + rng.normal(size=signal.shape) * 2, axis=1)
        booster = lgb.train(
            {"objective": "multiclass", "num_class": NUM_CLASSES, "num_leaves": 31,
             "min_data_in_leaf": 5, "verbose": -1, "seed": 1, "num_threads": 2, "learning_rate": 0.05},
            lgb.Dataset(x, y), 100)
        booster.save_model(str(model_path))
    booster = lgb.Booster(model_file=str(model_path))
    assert booster.num_trees() == 100 * NUM_CLASSES, booster.num_trees()

    rng = np.random.default_rng(2002)
    rows = rng.normal(scale=1.5, size=(ROWS, NUM_FEATURES))
    rows[rng.random(rows.shape) < 0.08] = np.nan
    rows = np.ascontiguousarray(rows, dtype=np.float64)

    lgb_m = time_lightgbm(booster, rows)
    assert lgb_m["outputs"].shape == (ROWS, NUM_CLASSES), lgb_m["outputs"].shape
    ll = lleaves_or_reason(model_path, work / "multiclass.lleaves.o", rows, lgb_m["outputs"])
    ours = time_ours(root, work, "multiclass", model_path, bench_cmd, reorder, rows, lgb_m["outputs"])
    print_table(f"multiclass stress model: {NUM_CLASSES} classes, 100 iterations = {booster.num_trees():,} trees"
                f" x 31 leaves x {NUM_FEATURES} features, {ROWS:,} rows (8% NaN), one thread;"
                f" load average {load_average()} at the end",
                f"probabilities != LightGBM's bits (of {ROWS * NUM_CLASSES:,}: {NUM_CLASSES} per row)",
                lgb_m, ll, ours, None)


def main(root, work, bench_cmd, reorder):
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    models = os.environ.get("BENCH_MODELS", "binary,categorical,multiclass").split(",")
    runs = {"binary": binary_model, "categorical": categorical_model, "multiclass": multiclass_model}
    unknown = [name for name in models if name not in runs]
    if unknown:
        raise SystemExit(f"BENCH_MODELS: unknown {unknown} (binary, categorical, multiclass)")
    for index, name in enumerate(models):
        if index:
            print()
        runs[name](root, work, bench_cmd, reorder)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:-1], sys.argv[-1])
