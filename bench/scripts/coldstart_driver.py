"""Cold start of the production build: RUNS loads of the Predict page, each in a new headless
chromium with a fresh profile (empty HTTP cache, no service worker), timing navigation start ->
the result card's first probability in the DOM (a MutationObserver installed before any page
script runs, through the DevTools protocol) and the next animation frame. Then the bytes the
first load fetches, gzip and brotli, from the precompressed files of DIST_DIR.

Usage: coldstart_driver.py BASE_URL DIST_DIR [RUNS [PLAIN_URL]]
With PLAIN_URL (the static tree on a plain static server: no compression, no headers), the loads
alternate between the two servers, unthrottled and then on a throttled link (THROTTLE), and a
table compares them. Run through bench/scripts/coldstart.sh.
"""

import json
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webdriver import ChromeDriver  # noqa: E402

PROBE = """
(() => {
  const probe = { first: null, frame: null };
  window.__coldStart = probe;
  const check = () => {
    if (probe.first !== null) return;
    const card = document.querySelector('[data-testid="probability"]');
    if (card && card.textContent.trim() !== '') {
      probe.first = performance.now();
      observer.disconnect();
      requestAnimationFrame(() => { probe.frame = performance.now(); });
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, characterData: true });
})();
"""

COLLECT = """
const nav = performance.getEntriesByType('navigation')[0];
const res = performance.getEntriesByType('resource').map((e) => ({
  name: e.name, start: e.startTime, end: e.responseEnd, transfer: e.transferSize,
  encoded: e.encodedBodySize, decoded: e.decodedBodySize, initiator: e.initiatorType }));
return { first: window.__coldStart.first, frame: window.__coldStart.frame,
  nav: { end: nav.responseEnd, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
         transfer: nav.transferSize, encoded: nav.encodedBodySize },
  resources: res };
"""


# A link where the bytes count: 20 Mbit/s down, 5 up, 40 ms round trip (chromium's emulation).
THROTTLE = {"offline": False, "latency": 40, "downloadThroughput": 20e6 / 8, "uploadThroughput": 5e6 / 8}


def one_load(driver, url, throttle=None):
    session = driver.session()
    try:
        if throttle:
            session.cdp("Network.enable", {})
            session.cdp("Network.emulateNetworkConditions", throttle)
        session.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
        session.navigate(url)
        session.wait_for("return (window.__coldStart && window.__coldStart.frame !== null) ? true : null;",
                         timeout_s=60, poll_s=0.05)
        time.sleep(2.0)  # let the rest of the first load (service worker precache) settle
        return session.execute(COLLECT)
    finally:
        session.close()


def file_sizes(dist, path):
    """(raw, gzip, brotli) bytes of a dist file; a file with no compressed copy counts raw."""
    target = dist / path.lstrip("/")
    if path in ("", "/") or not target.is_file():
        target = dist / "index.html"
    raw = target.stat().st_size
    gz = Path(str(target) + ".gz")
    br = Path(str(target) + ".br")
    return raw, gz.stat().st_size if gz.is_file() else raw, br.stat().st_size if br.is_file() else raw


def short(name):
    path = urllib.parse.urlparse(name).path
    return re.sub(r"-[0-9a-f]{1,16}(?=(_bg)?\.(js|wasm|css|json)$)", "-<hash>", path)


def wire_bytes(load):
    return load["nav"]["transfer"] + sum(e["transfer"] for e in load["resources"] if e["start"] <= load["first"])


def compare_hosts(base_url, plain_url, runs):
    """Alternating cold loads on both servers, on the open link and on the throttled one."""
    driver = ChromeDriver()
    results = {}
    try:
        for link, throttle in (("unthrottled", None), ("20 Mbit/s, 40 ms", THROTTLE)):
            for number in range(runs):
                for host, url in (("nginx", base_url), ("plain", plain_url)):
                    load = one_load(driver, url + "/", throttle)
                    results.setdefault((link, host), []).append(load)
                    print(f"  {link}, {host}, load {number + 1}: {load['first']:.0f} ms", file=sys.stderr, flush=True)
    finally:
        driver.stop()
    print(f"cold loads: {runs} per server and link, alternating, each a new chromium with a fresh profile")
    print(f"nginx: {base_url}/ (production config, brotli); plain: {plain_url}/ (python3 -m http.server on the static tree)")
    print()
    print("| link | server | navigation -> probability (median) | min | max | bytes on the wire until then | plain / nginx |")
    print("|---|---|---|---|---|---|---|")
    for link in ("unthrottled", "20 Mbit/s, 40 ms"):
        medians = {}
        for host in ("nginx", "plain"):
            firsts = [load["first"] for load in results[(link, host)]]
            medians[host] = statistics.median(firsts)
            wire = statistics.median(wire_bytes(load) for load in results[(link, host)])
            ratio = f"{medians['plain'] / medians['nginx']:.2f}x" if host == "plain" else ""
            print(f"| {link} | {host} | {medians[host]:.0f} ms | {min(firsts):.0f} ms | {max(firsts):.0f} ms | {wire / 1e3:,.1f} KB | {ratio} |")
    print()
    print("raw: " + json.dumps({f"{link} {host}": [load["first"] for load in loads] for (link, host), loads in results.items()}))


def main(base_url, dist_dir, runs="10", plain_url=None):
    dist = Path(dist_dir)
    runs = int(runs)
    if plain_url:
        compare_hosts(base_url, plain_url, runs)
        return
    driver = ChromeDriver()
    loads = []
    try:
        for number in range(runs):
            load = one_load(driver, base_url + "/")
            loads.append(load)
            print(f"  load {number + 1}: first probability at {load['first']:.0f} ms", file=sys.stderr, flush=True)
    finally:
        driver.stop()

    firsts = [load["first"] for load in loads]
    frames = [load["frame"] for load in loads]
    print(f"cold loads: {runs}, each a new chromium with a fresh profile, {base_url}/ (production nginx config)")
    print()
    print("| measure | median | min | max |")
    print("|---|---|---|---|")
    print(f"| navigation -> probability in the DOM | {statistics.median(firsts):.0f} ms | {min(firsts):.0f} ms | {max(firsts):.0f} ms |")
    print(f"| navigation -> next frame after it | {statistics.median(frames):.0f} ms | {min(frames):.0f} ms | {max(frames):.0f} ms |")
    # Where the time goes: median end time of each resource fetched before the first probability.
    ends = {}
    for load in loads:
        ends.setdefault("/ (index.html)", []).append(load["nav"]["end"])
        ends.setdefault("DOMContentLoaded", []).append(load["nav"]["dcl"])
        for entry in load["resources"]:
            if entry["start"] <= load["first"]:
                ends.setdefault(short(entry["name"]), []).append(entry["end"])
    print()
    print("| milestone before the first probability (median over loads) | ends at |")
    print("|---|---|")
    for name, values in sorted(ends.items(), key=lambda item: statistics.median(item[1])):
        print(f"| {name} | {statistics.median(values):.0f} ms |")

    # Bytes: what the last load fetched (the page's resources, then the service worker's precache).
    last = loads[-1]
    critical = {"/"} | {urllib.parse.urlparse(e["name"]).path for e in last["resources"] if e["start"] <= last["first"]}
    everything = set(critical) | {urllib.parse.urlparse(e["name"]).path for e in last["resources"]}
    sw = dist / "sw.js"
    if sw.is_file():
        everything.add("/sw.js")
        everything |= set(re.findall(r'"url"\s*:\s*"([^"]+)"', sw.read_text()))
    print()
    print("| what the first load fetches | files | raw | gzip | brotli | wire (chromium, over http) |")
    print("|---|---|---|---|---|---|")
    wire = {urllib.parse.urlparse(e["name"]).path: e["transfer"] for e in last["resources"]}
    wire["/"] = last["nav"]["transfer"]
    for label, paths in (("until the first probability", critical), ("whole first load (incl. service-worker precache)", everything)):
        sizes = [file_sizes(dist, p) for p in paths]
        seen = sum(wire.get(p, 0) for p in paths)
        print(f"| {label} | {len(paths)} | {sum(s[0] for s in sizes) / 1e3:,.1f} KB | {sum(s[1] for s in sizes) / 1e3:,.1f} KB "
              f"| {sum(s[2] for s in sizes) / 1e3:,.1f} KB | {seen / 1e3:,.1f} KB |")
    print()
    print("| file (until the first probability) | raw | gzip | brotli |")
    print("|---|---|---|---|")
    for path in sorted(critical, key=lambda p: -file_sizes(dist, p)[1]):
        raw, gz, br = file_sizes(dist, path)
        print(f"| {short(path)} | {raw / 1e3:,.1f} KB | {gz / 1e3:,.1f} KB | {br / 1e3:,.1f} KB |")
    print()
    print("raw: " + json.dumps({"first_ms": firsts, "frame_ms": frames}))


if __name__ == "__main__":
    main(*sys.argv[1:])
