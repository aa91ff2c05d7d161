"""Which element is each page's largest contentful paint, and when (unthrottled): Lighthouse
12.2.3 cannot name it on this Chromium, so this asks the browser directly, with a
PerformanceObserver installed before any page script runs (DevTools protocol), in a fresh
headless chromium at Lighthouse's mobile viewport (412x823).

Usage: python3 bench/scripts/lcp_element.py BASE_URL   (a served release build, e.g.
`PORT=18681 scripts/dev.sh serve-dist`). Prints one line per page: the LCP entries in order,
each with its time (ms since navigation), size (px^2) and element (null once it has left the page).
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webdriver import ChromeDriver  # noqa: E402

PROBE = """
window.__lcp = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const el = entry.element;
    window.__lcp.push({
      t: Math.round(entry.startTime),
      size: entry.size,
      el: el ? el.tagName + '.' + el.className + ' ' + (el.textContent || '').slice(0, 60) : null,
    });
  }
}).observe({ type: 'largest-contentful-paint', buffered: true });
"""


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    base = sys.argv[1].rstrip("/")
    driver = ChromeDriver()
    try:
        for path in ["/", "/dashboard", "/demo"]:
            session = driver.session(["--window-size=412,823"])
            session.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
            session.navigate(base + path)
            time.sleep(4)
            print(path, json.dumps(session.execute("return window.__lcp")))
            session.close()
    finally:
        driver.stop()


if __name__ == "__main__":
    main()
