"""A minimal WebDriver client (W3C protocol over urllib) for the browser benchmarks: starts
chromedriver, opens headless Debian chromium sessions with a fresh profile each, navigates and
runs scripts. Only the handful of commands the benchmarks need.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps",
]


class WebDriverError(RuntimeError):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(method, url, body=None, timeout=600):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise WebDriverError(f"{method} {url}: {error.code} {error.read()[:500]!r}") from error


class ChromeDriver:
    """A chromedriver process on a free port; stop() ends it."""

    def __init__(self, binary=None):
        self.binary = binary or shutil.which("chromedriver")
        if not self.binary:
            raise WebDriverError("chromedriver is not on PATH (apt-get install chromium-driver)")
        self.port = free_port()
        self.process = subprocess.Popen([self.binary, f"--port={self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                if _request("GET", self.url + "/status", timeout=2)["value"]["ready"]:
                    return
            except (OSError, WebDriverError, KeyError):
                pass
            time.sleep(0.1)
        self.stop()
        raise WebDriverError("chromedriver did not start")

    def session(self, extra_flags=()):
        return Session(self, extra_flags)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Session:
    """One chromium with its own throw-away profile directory."""

    def __init__(self, driver, extra_flags=()):
        self.profile = tempfile.mkdtemp(prefix="bench-profile-")
        chromium = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
        capabilities = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": CHROMIUM_FLAGS + [f"--user-data-dir={self.profile}"] + list(extra_flags),
            },
            "timeouts": {"script": 600_000, "pageLoad": 120_000},
        }}}
        reply = _request("POST", driver.url + "/session", capabilities)
        self.base = f"{driver.url}/session/{reply['value']['sessionId']}"

    def navigate(self, url):
        _request("POST", self.base + "/url", {"url": url})

    def execute(self, script, *args):
        return _request("POST", self.base + "/execute/sync", {"script": script, "args": list(args)})["value"]

    def execute_async(self, script, *args):
        return _request("POST", self.base + "/execute/async", {"script": script, "args": list(args)})["value"]

    def find(self, css):
        """The WebDriver id of the first element matching `css` (raises when there is none)."""
        value = _request("POST", self.base + "/element", {"using": "css selector", "value": css})["value"]
        return next(iter(value.values()))

    def send_keys(self, element, text):
        """Types `text` into an element; for a file input, `text` is the path of the file to pick."""
        _request("POST", f"{self.base}/element/{element}/value", {"text": text})

    def click(self, element):
        _request("POST", f"{self.base}/element/{element}/click", {})

    def cdp(self, command, params):
        """A DevTools protocol command through chromedriver (chromium only)."""
        return _request("POST", self.base + "/goog/cdp/execute", {"cmd": command, "params": params})["value"]

    def wait_for(self, script, timeout_s, poll_s=0.2):
        """Polls `script` (a function body returning a value) until it returns non-null."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = self.execute(script)
            if value is not None:
                return value
            time.sleep(poll_s)
        raise WebDriverError(f"timed out after {timeout_s} s waiting for: {script}")

    def close(self):
        try:
            _request("DELETE", self.base, timeout=30)
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
