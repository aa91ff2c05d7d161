"""Benchmark: LightGBM 4.7.0 predict (one thread) against the project's evaluator on the stress
model (500 trees x 63 leaves x 31 features, some NaN), 100k rows, with lleaves 1.3.0 (LLVM-compiled,
not bit-exact) as a third column, and `reorder predict` end to end (CSV in and out).

Prints rows/s over 100k rows, single-row latency (median of 10k calls), the ratios to LightGBM,
how many probabilities differ from LightGBM's bits (lleaves: its max |difference|).
Run through bench/scripts/evaluator.sh.
"""

import importlib.metadata
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import lightgbm as lgb
import lleaves
import numpy as np

NUM_FEATURES = 31
ROWS = 100_000
SINGLE_CALLS = 10_000


def main(root, work, bench_cmd, reorder):
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
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

    best = float("inf")
    best_cpu = float("inf")
    for _ in range(3):
        cpu_start = time.process_time()
        start = time.perf_counter()
        probabilities = booster.predict(rows, num_threads=1)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu_start)
    lgb_rows_per_s = ROWS / best
    lgb_rows_per_cpu_s = ROWS / best_cpu
    latencies = []
    for i in range(SINGLE_CALLS):
        row = rows[i:i + 1]
        start = time.perf_counter()
        booster.predict(row, num_threads=1)
        latencies.append(time.perf_counter() - start)
    lgb_single_us = float(np.median(latencies)) * 1e6

    # lleaves: compiled once (the object file is cached next to the model).
    compiled = lleaves.Model(model_file=str(model_path))
    compiled.compile(cache=str(work / "stress.lleaves.o"))
    ll_best = float("inf")
    ll_best_cpu = float("inf")
    for _ in range(3):
        cpu_start = time.process_time()
        start = time.perf_counter()
        ll_probabilities = compiled.predict(rows, n_jobs=1)
        ll_best = min(ll_best, time.perf_counter() - start)
        ll_best_cpu = min(ll_best_cpu, time.process_time() - cpu_start)
    ll_latencies = []
    for i in range(SINGLE_CALLS):
        row = rows[i:i + 1]
        start = time.perf_counter()
        compiled.predict(row, n_jobs=1)
        ll_latencies.append(time.perf_counter() - start)
    ll_single_us = float(np.median(ll_latencies)) * 1e6
    ll_mismatches = int(np.count_nonzero(ll_probabilities.view(np.uint64) != probabilities.view(np.uint64)))
    ll_max_diff = float(np.max(np.abs(ll_probabilities - probabilities)))

    rows.astype("<f8").tofile(work / "rows.f64")
    probabilities.astype("<f8").tofile(work / "lightgbm.f64")
    subprocess.run([reorder, "convert", "--model", str(model_path), "--threshold", "0.5",
                    "--out", str(work / "stress.json")], check=True)
    output = subprocess.run(bench_cmd + [str(work / "stress.json"), str(work / "rows.f64"),
                                         str(work / "lightgbm.f64")],
                            check=True, capture_output=True, text=True, cwd=root).stdout
    ours = json.loads(output.strip().splitlines()[-1])

    # `reorder predict` end to end: the same rows as a CSV (17-digit values, empty = missing).
    # Written every run: a file left by an earlier run may hold other rows (the browser benchmark
    # writes the same directory).
    csv_path = work / "rows.csv"
    with open(csv_path, "w") as out:
        out.write("id," + ",".join(f"Column_{j}" for j in range(NUM_FEATURES)) + "\n")
        for i, row in enumerate(rows):
            out.write(str(i) + "," + ",".join("" if math.isnan(v) else repr(float(v)) for v in row) + "\n")
    cli = {}
    for threads in ("1", str(os.cpu_count())):
        best_wall = float("inf")
        best_cpu = float("inf")
        for _ in range(3):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([reorder, "predict", "--threads", threads, "--bundle", str(work / "stress.json"),
                            "--input", str(csv_path), "--output", str(work / "scored.csv")], check=True)
            best_wall = min(best_wall, time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            best_cpu = min(best_cpu, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        with open(work / "scored.csv") as scored:
            next(scored)
            cli_probabilities = np.array([float(line.split(",")[1]) for line in scored])
        cli_mismatches = int(np.count_nonzero(cli_probabilities.view(np.uint64) != probabilities.view(np.uint64)))
        cli[threads] = (ROWS / best_wall, ROWS / best_cpu, cli_mismatches)

    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[0]
    print(f"stress model: 500 trees x 63 leaves x {NUM_FEATURES} features, {ROWS:,} rows (8% NaN), one thread;"
          f" load average {load} at the end")
    print()
    print("| evaluator | rows/s, wall (100k rows) | rows per CPU-second | single row (median of 10k) | probabilities != LightGBM's bits |")
    print("|---|---|---|---|---|")
    print(f"| LightGBM {lgb.__version__} predict (num_threads=1) | {lgb_rows_per_s:,.0f} | {lgb_rows_per_cpu_s:,.0f} | {lgb_single_us:.1f} us | reference |")
    print(f"| lleaves {importlib.metadata.version('lleaves')} predict (n_jobs=1) | {ROWS / ll_best:,.0f} ({ROWS / ll_best / lgb_rows_per_s:.1f}x) | {ROWS / ll_best_cpu:,.0f} ({ROWS / ll_best_cpu / lgb_rows_per_cpu_s:.1f}x) | {ll_single_us:.1f} us | {ll_mismatches:,} (max abs diff {ll_max_diff:.1e}) |")
    print(f"| instacart-reorder (native) | {ours['batch_rows_per_s']:,.0f} ({ours['batch_rows_per_s'] / lgb_rows_per_s:.1f}x) | {ours['batch_rows_per_cpu_s']:,.0f} ({ours['batch_rows_per_cpu_s'] / lgb_rows_per_cpu_s:.1f}x) | {ours['single_row_median_us']:.2f} us ({lgb_single_us / ours['single_row_median_us']:.1f}x faster) | {ours['mismatches']} |")
    for threads, (wall, cpu, mismatches) in cli.items():
        print(f"| `reorder predict --threads {threads}`, CSV in and out | {wall:,.0f} ({wall / lgb_rows_per_s:.1f}x) | {cpu:,.0f} ({cpu / lgb_rows_per_cpu_s:.1f}x) | | {mismatches} |")
    print()
    print("(x) = ratio to LightGBM's in-memory predict in the same column.")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:-1], sys.argv[-1])
