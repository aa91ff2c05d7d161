"""The prediction log at scale, for a returning user: one headless chromium profile with an
empty log and one with RECORDS logged predictions, side by side in one run.

The full profile gets its log the way a returning user's grew: up to 100,000 single predictions
written as schema v2 stored them (tests/e2e/fixtures/seed_v2_log.js, then the app's first start
upgrades them), and the rest as one Batch-page run of a labelled file (the e2e fixture's rows
repeated). Then, in both profiles (warm HTTP cache and service worker, as on a return visit):
navigation -> the Predict page's first probability; navigation -> the dashboard's numbers and
the dashboard's own render ("ready"); the next page of recent predictions; and, in the full
profile, a CSV and a JSON export of everything (time, size, lines, the browser's peak memory).

Usage: log_scale_driver.py BASE_URL RECORDS [LOADS]
Run through bench/scripts/log_scale.sh.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webdriver import ChromeDriver  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "tests/e2e/fixtures/seed_v2_log.js").read_text()
SINGLE_RECORDS = 100_000

# Installed before any page script runs: when the first probability and the dashboard's numbers
# reach the DOM (navigation start = 0).
PROBE = """
(() => {
  const probe = { probability: null, page: null, numbers: null, drift: null, quality: null };
  window.__logScale = probe;
  addEventListener("TrunkApplicationStarted", (event) => { window.__wasm = event.detail.wasm; });
  const check = () => {
    const now = performance.now();
    const card = document.querySelector('[data-testid="probability"]');
    if (probe.probability === null && card && card.textContent.trim() !== '') probe.probability = now;
    if (probe.page === null && document.querySelector('[data-testid="page-dashboard"]')) probe.page = now;
    const total = document.querySelector('[data-testid="total-predictions"]');
    if (probe.numbers === null && total && total.dataset.value) probe.numbers = now;
    const drift = document.querySelector('[data-testid="drift-panel"]');
    if (probe.drift === null && drift && ['ready', 'unavailable'].includes(drift.dataset.state)) probe.drift = now;
    if (probe.quality === null && document.querySelector('[data-testid="quality-run"]')) probe.quality = now;
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();
"""

MODEL_READY = "return document.querySelector('[data-testid=\"model-status\"][data-state=\"ready\"]') ? true : null;"

NEXT_PAGE = """
const done = arguments[arguments.length - 1];
const indicator = () => document.querySelector('[data-testid="page-indicator"]').textContent;
const first = () => { const row = document.querySelector('[data-testid="recent-row"]'); return row ? row.textContent : null; };
const before = [indicator(), first()];
const button = document.querySelector('[data-testid="page-next"]');
if (!button || button.disabled) { done(null); return; }
const started = performance.now();
button.click();
const poll = () => {
  if (indicator() !== before[0] && first() !== null && first() !== before[1]) done(performance.now() - started);
  else if (performance.now() - started > 60000) done(-1);
  else requestAnimationFrame(poll);
};
poll();
"""

EXPORT = """
const [format, done] = arguments;
window.__blobs = [];
const create = URL.createObjectURL;
URL.createObjectURL = function (blob) { window.__blobs.push(blob); return create.call(URL, blob); };
const started = performance.now();
document.querySelector(`[data-testid="export-${format}"]`).click();
const poll = async () => {
  const error = document.querySelector('[data-testid="action-error"]');
  if (error) { done({ error: error.textContent }); return; }
  if (!window.__blobs.length) { setTimeout(poll, 20); return; }
  const ms = performance.now() - started;
  const blob = window.__blobs[0];
  URL.createObjectURL = create;
  // Count the lines a slice at a time: the export may be larger than a string can be.
  let lines = 0;
  const reader = blob.stream().getReader();
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
  }
  const wasm = window.__wasm ? window.__wasm.memory.buffer.byteLength : null;
  const heap = performance.memory ? performance.memory.usedJSHeapSize : null;
  if (window.gc) window.gc();
  const collected = performance.memory ? performance.memory.usedJSHeapSize : null;
  done({ ms, bytes: blob.size, lines, wasm_mib: wasm / 1048576, js_heap_mib: heap / 1048576, js_heap_after_gc_mib: collected / 1048576 });
};
poll();
"""


def browser_rss_mib(driver_pid):
    """Resident memory of every process under chromedriver (the browser and its helpers)."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,rss="], capture_output=True, text=True).stdout
    rows = [tuple(int(x) for x in line.split()) for line in out.splitlines() if line.strip()]
    total, stack = 0, [driver_pid]
    while stack:
        parent = stack.pop()
        for pid, ppid, rss in rows:
            if ppid == parent:
                total += rss
                stack.append(pid)
    return total / 1024


class PeakMemory:
    """Samples the browser's memory every 100 ms while in a `with` block."""

    def __init__(self, driver_pid):
        self.driver_pid, self.peak, self.before = driver_pid, 0.0, browser_rss_mib(driver_pid)
        self._stop = threading.Event()

    def __enter__(self):
        def sample():
            while not self._stop.is_set():
                self.peak = max(self.peak, browser_rss_mib(self.driver_pid))
                time.sleep(0.1)
        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def probe(session, base, path, key, timeout_s=900):
    session.navigate(base + path)
    return session.wait_for(f"return window.__logScale && window.__logScale.{key};", timeout_s, poll_s=0.05)


def loads(session, base, loads_count):
    """Medians over LOADS warm loads: first probability on /, page and numbers on /dashboard."""
    probe(session, base, "/", "probability")  # the first (cold) load fills the cache
    first = [probe(session, base, "/", "probability") for _ in range(loads_count)]
    page, numbers, drift, quality = [], [], [], []
    for _ in range(loads_count):
        numbers.append(probe(session, base, "/dashboard", "numbers"))
        page.append(session.execute("return window.__logScale.page;"))
        drift.append(session.wait_for("return window.__logScale.drift;", 300, poll_s=0.05))
        quality.append(session.execute("return window.__logScale.quality;"))
    pages = []
    if session.execute("return document.querySelector('[data-testid=\"total-predictions\"]').dataset.value;") != "0":
        session.wait_for("const next = document.querySelector('[data-testid=\"page-next\"]'); "
                         "return document.querySelector('[data-testid=\"recent-row\"]') && next && !next.disabled ? true : null;", 120, poll_s=0.05)
    for _ in range(min(loads_count, 5)):
        waited = session.execute_async(NEXT_PAGE)
        if waited is None or waited < 0:
            break
        pages.append(waited)
    return {
        "probability": statistics.median(first),
        "numbers": statistics.median(numbers),
        "ready_to_numbers": statistics.median(n - p for n, p in zip(numbers, page)),
        "numbers_to_drift": statistics.median(d - n for d, n in zip(drift, numbers)),
        "drift_state": session.execute("return document.querySelector('[data-testid=\"drift-panel\"]').dataset.state;"),
        "drift_compared": session.execute(
            "const c = document.querySelector('[data-testid=\"drift-coverage\"]'); return c ? c.dataset.compared : null;"),
        "numbers_to_quality": (statistics.median(q - n for q, n in zip(quality, numbers))
                               if all(q is not None for q in quality) else None),
        "next_page": statistics.median(pages) if pages else None,
        "total": session.execute("return document.querySelector('[data-testid=\"total-predictions\"]').dataset.value;"),
    }


def batch_file(rows):
    """A labelled batch file of `rows` rows: the e2e fixture's complete rows repeated."""
    source = (ROOT / "tests/e2e/fixtures/uploads/batch_labelled.csv").read_text().splitlines()
    header, width = source[0], source[0].count(",")
    good = [line for line in source[1:]
            if line.count(",") == width and line.endswith((",0", ",1")) and ",ten," not in line]
    handle, path = tempfile.mkstemp(prefix="log-scale-", suffix=".csv")
    with os.fdopen(handle, "w") as out:
        out.write(header + "\n")
        for index in range(rows):
            out.write(good[index % len(good)] + "\n")
    return path


def main():
    base, records = sys.argv[1], int(sys.argv[2])
    loads_count = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    bundle = json.loads((ROOT / "assets/model.json").read_text())
    names = [f["name"] if isinstance(f, dict) else f for f in bundle["features"]]
    singles = min(records, SINGLE_RECORDS)
    driver = ChromeDriver()
    flags = ["--enable-precise-memory-info", "--js-flags=--expose-gc"]
    try:
        empty_session = driver.session(flags)
        try:
            empty_session.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
            empty = loads(empty_session, base, loads_count)
        finally:
            empty_session.close()
        print(f"  empty log: {empty}", file=sys.stderr, flush=True)

        session = driver.session(flags)
        try:
            session.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
            session.navigate(base + "/manifest.webmanifest")
            seeded = session.execute_async(SEED, singles, names, "0" * 64, bundle["threshold"],
                                           1_700_000_000_000)
            if "error" in seeded:
                raise SystemExit(f"seeding the v2 log failed: {seeded['error']}")
            print(f"  wrote {singles} v2 records in {seeded['ms'] / 1000:.1f} s", file=sys.stderr, flush=True)
            upgrade_ms = probe(session, base, "/dashboard", "numbers")
            upgraded_total = session.execute(
                "return document.querySelector('[data-testid=\"total-predictions\"]').dataset.value;")
            rate = float(session.execute(
                "return document.querySelector('[data-testid=\"positive-rate\"]').dataset.value;"))
            if upgraded_total != str(singles) or abs(rate - seeded["positives"] / singles) > 1e-12:
                raise SystemExit(f"the upgrade lost records: {upgraded_total} shown, {singles} written")
            batch_ms = None
            if records > singles:
                path = batch_file(records - singles)
                try:
                    session.navigate(base + "/batch")
                    session.wait_for(MODEL_READY, 120)
                    started = time.monotonic()
                    session.send_keys(session.find('[data-testid="batch-file"]'), path)
                    session.wait_for(
                        "const r = document.querySelector('[data-testid=\"batch-results\"]'); "
                        "return r ? r.dataset.rows : null;", 3600, poll_s=0.25)
                    batch_ms = (time.monotonic() - started) * 1000
                finally:
                    os.unlink(path)
            full = loads(session, base, loads_count)
            print(f"  full log: {full}", file=sys.stderr, flush=True)
            if full["total"] != str(records):
                raise SystemExit(f"the dashboard shows {full['total']} records, {records} were logged")
            exports = {}
            for form in ("csv", "json"):
                probe(session, base, "/dashboard", "numbers")
                with PeakMemory(driver.process.pid) as memory:
                    result = session.execute_async(EXPORT, form)
                result["before"], result["peak"] = memory.before, memory.peak
                exports[form] = result
                print(f"  export {form}: {result}", file=sys.stderr, flush=True)
        finally:
            session.close()
    finally:
        driver.stop()

    def ms(value):
        return "-" if value is None else f"{value:,.0f} ms"

    print()
    print(f"| | empty log | {records:,} records | ratio |")
    print("|---|---|---|---|")
    print(f"| navigation -> first probability on Predict (median of {loads_count} warm loads) "
          f"| {ms(empty['probability'])} | {ms(full['probability'])} | {full['probability'] / empty['probability']:.2f} |")
    print(f"| navigation -> dashboard numbers | {ms(empty['numbers'])} | {ms(full['numbers'])} | "
          f"{full['numbers'] / empty['numbers']:.2f} |")
    print(f"| dashboard rendered -> its numbers | {ms(empty['ready_to_numbers'])} | {ms(full['ready_to_numbers'])} | |")
    print(f"| dashboard numbers -> drift panel ready | {ms(empty['numbers_to_drift'])} | {ms(full['numbers_to_drift'])} | |")
    print(f"| dashboard numbers -> quality over time listed | {ms(empty['numbers_to_quality'])} | {ms(full['numbers_to_quality'])} | |")
    print(f"| next page of recent predictions (median) | {ms(empty['next_page'])} | {ms(full['next_page'])} | |")
    print()
    print(f"Log built as {singles:,} schema-v2 records ({seeded['ms'] / 1000:.1f} s to write) plus "
          f"{records - singles:,} Batch-page rows"
          + (f" ({batch_ms / 1000:.1f} s to score and log)" if batch_ms else "") + ".")
    print(f"First start after the upgrade to schema v3: navigation -> dashboard numbers {ms(upgrade_ms)} "
          f"({singles:,} records counted, positive rate as written).")
    print()
    print("| export | time | size | lines | browser memory before -> peak |")
    print("|---|---|---|---|---|")
    for form, result in exports.items():
        if "error" in result:
            print(f"| {form} | failed: {result['error']} | | | |")
        else:
            print(f"| {form} | {result['ms'] / 1000:.1f} s | {result['bytes'] / 1048576:,.0f} MiB | "
                  f"{result['lines']:,} | {result['before']:,.0f} -> {result['peak']:,.0f} MiB |")


if __name__ == "__main__":
    main()
