"""Times `reorder features` (native profile) and the polars reference
(models/train/reference_features.py) on Kaggle-layout folders of growing size and prints wall
time, peak RSS (the child's own, from wait4) and the ratios, one table row per size.

Usage: features_bench.py REORDER PYTHON REFERENCE_PY OUT_DIR LABEL=DATA_DIR...
Run through bench/scripts/features.sh.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


# A run whose resident memory passes this is stopped (the machine is shared): MAX_RSS_GB.
RSS_LIMIT = float(os.environ.get("MAX_RSS_GB", "14")) * 2**30


def rss_watchdog(pid, stopped):
    """Kills `pid` if its resident set passes RSS_LIMIT; sets `stopped` when it did."""
    while not stopped.get("done"):
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:") and int(line.split()[1]) * 1024 > RSS_LIMIT:
                        stopped["killed"] = True
                        os.kill(pid, signal.SIGKILL)
                        return
        except (OSError, ValueError):
            return
        time.sleep(0.2)


def measure(command, log_path):
    """Runs `command`; returns (wall seconds, peak RSS bytes, killed by the RSS limit, CPU
    seconds (user + system, all threads): the measure that survives a busy shared machine)."""
    with open(log_path, "w") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        state = {}
        watchdog = threading.Thread(target=rss_watchdog, args=(process.pid, state), daemon=True)
        watchdog.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        state["done"] = True
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    if state.get("killed"):
        return wall, usage.ru_maxrss * 1024, True, cpu
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed ({process.returncode}); see {log_path}")
    return wall, usage.ru_maxrss * 1024, False, cpu  # Linux reports ru_maxrss in KiB


def count_lines(path, chunk=1 << 24):
    lines = 0
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            lines += block.count(b"\n")
    return lines


def prior_lines(data_dir):
    return count_lines(Path(data_dir) / "order_products__prior.csv") - 1


def main(reorder, python, reference, out_dir, *sizes):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for spec in sizes:
        label, data = spec.split("=", 1)
        lines = prior_lines(data)
        rust_out, polars_out = out / f"rust-{label}.csv", out / f"polars-{label}.csv"
        print(f"[{label}] {lines:,} prior lines: reorder features ...", file=sys.stderr, flush=True)
        rust = measure([reorder, "features", "--data", data, "--out", rust_out], out / f"rust-{label}.log")
        print(f"[{label}]   {rust[0]:.1f} s; polars reference ...", file=sys.stderr, flush=True)
        polars = measure([python, reference, data, polars_out], out / f"polars-{label}.log")
        print(f"[{label}]   {polars[0]:.1f} s", file=sys.stderr, flush=True)
        rust_rows = count_lines(rust_out) - 1
        polars_rows = None if polars[2] else count_lines(polars_out) - 1
        for path in (rust_out, polars_out):
            path.unlink(missing_ok=True)
        rows.append((label, lines, rust_rows, polars_rows, rust, polars))

    print("| size | prior lines | candidate rows (rust / polars) | reorder features: wall | CPU | peak RSS "
          "| polars reference: wall | CPU | peak RSS | wall ratio (polars / rust) | CPU ratio | RSS ratio "
          "| rust wall s per M lines |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, lines, rust_rows, polars_rows, rust, polars in rows:
        if polars[2]:  # stopped at the memory limit: lower bounds
            polars_cells = (f"> {polars[0]:.2f} s (stopped at {RSS_LIMIT / 2**30:.0f} GiB) | > {polars[3]:.1f} s "
                            f"| > {polars[1] / 2**20:,.0f} MiB | > {polars[0] / rust[0]:.1f}x | > {polars[3] / rust[3]:.1f}x "
                            f"| > {polars[1] / rust[1]:.1f}x")
            polars_rows = "-"
        else:
            polars_cells = (f"{polars[0]:.2f} s | {polars[3]:.1f} s | {polars[1] / 2**20:,.0f} MiB "
                            f"| {polars[0] / rust[0]:.1f}x | {polars[3] / rust[3]:.1f}x | {polars[1] / rust[1]:.1f}x")
            polars_rows = f"{polars_rows:,}"
        print(f"| {label} | {lines:,} | {rust_rows:,} / {polars_rows} | {rust[0]:.2f} s | {rust[3]:.1f} s "
              f"| {rust[1] / 2**20:,.0f} MiB "
              f"| {polars_cells} | {rust[0] / (lines / 1e6):.2f} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
