"""Opens the benchmark page (bench/browser/index.html, served at BASE_URL) in headless chromium through
chromedriver, waits for window.benchResult and prints the comparison table with ratios.

Usage: browser_driver.py BASE_URL [models]   (models: comma-separated, default
       bundled,stress,categorical,multiclass)
Run through bench/scripts/browser.sh.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webdriver import ChromeDriver  # noqa: E402


def fmt_us(value):
    return f"{value:,.1f} us" if value >= 10 else f"{value:.2f} us"


def main(base_url, models="bundled,stress,categorical,multiclass"):
    driver = ChromeDriver()
    try:
        session = driver.session()
        try:
            session.navigate(f"{base_url}/index.html?models={models}")
            result = session.wait_for("return window.benchResult ?? null;", timeout_s=900, poll_s=1)
        finally:
            session.close()
    finally:
        driver.stop()
    if "error" in result:
        raise SystemExit(f"benchmark page failed: {result['error']}")

    print(f"browser: {result['user_agent']}")
    print(f"onnxruntime-web {result['ort_version']} (wasm backend, numThreads=1); "
          f"crossOriginIsolated={result['cross_origin_isolated']} (timer resolution "
          f"{'5 us' if result['cross_origin_isolated'] else '100 us'})")
    print()
    print("| model | evaluator | single row median | p99 | mean | batch rows/s (100k) "
          "| max abs diff vs LightGBM | decision flips (multiclass: argmax) | values != LightGBM's bits "
          "| model load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in result["results"]:
        label = f"{r['model']} ({r['description']})"
        values = r["rows"] * r.get("outputs", 1)
        for key, name, load in (("ours", "instacart-reorder (wasm)", r.get("ours_load_ms")),
                                ("ort", "onnxruntime-web", r.get("ort_load_ms"))):
            m = r[key]
            if "error" in m:
                print(f"| {label} | {name} | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a ({m['error']}) |")
                continue
            print(f"| {label} | {name} | {fmt_us(m['single_median_us'])} | {fmt_us(m['single_p99_us'])} "
                  f"| {fmt_us(m['single_mean_us'])} | {m['batch_rows_per_s']:,.0f} | {m['max_abs_diff']:.3g} "
                  f"| {m['flips']} / {r['rows']:,} | {m['bit_mismatches']:,} / {values:,} | {load:.0f} ms |")
    print()
    print("| model | rows/s ours / ort | single-row median ort / ours | p99 ort / ours | mean ort / ours |")
    print("|---|---|---|---|---|")
    for r in result["results"]:
        o, x = r["ours"], r["ort"]
        if "error" in x:
            print(f"| {r['model']} | n/a | n/a | n/a | n/a |")
            continue
        ratio = lambda a, b: f"{a / b:.1f}x" if b > 0 else "n/a"  # noqa: E731
        print(f"| {r['model']} | {ratio(o['batch_rows_per_s'], x['batch_rows_per_s'])} "
              f"| {ratio(x['single_median_us'], o['single_median_us'])} "
              f"| {ratio(x['single_p99_us'], o['single_p99_us'])} "
              f"| {ratio(x['single_mean_us'], o['single_mean_us'])} |")
    print()
    for r in result["results"]:
        print(f"{r['model']}: single-row and batch outputs of ours differ in "
              f"{r['ours']['single_vs_batch_mismatches']} of 10,000 rows (bits); "
              + (f"threshold {r['threshold']}" if r.get("outputs", 1) == 1
                 else f"{r['outputs']} outputs per row, flips = argmax class"))
    print()
    print("raw: " + json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
