"""report.html in a real browser (issue 8): headless Chromium opens the page from disk, the charts
render (a screenshot with the chart colours in place, boxes of real size), and the console stays
free of errors. Driven over the DevTools protocol with a small websocket client; skipped, with the
reason, where Chromium is not installed (`.ci/run` installs Debian's chromium package)."""

from __future__ import annotations

import base64
import json
import shutil
import struct
import subprocess
import time
import urllib.request
import zlib
from pathlib import Path

import pytest

from cleaners.corpus.run import clean_directory
from cleaners.outputs.htmlreport import COLORS
from tests.conftest import SEEDS

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium); the report.html browser test needs it")

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--window-size=1280,1800", "--remote-debugging-port=0",
]


class DevTools:
    """The few DevTools protocol calls this test needs, over one page's websocket."""

    def __init__(self, url: str):
        from websockets.sync.client import connect

        self.ws = connect(url, max_size=None, open_timeout=20)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, timeout: float = 30, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for message in self.events:
                if message.get("method") == event:
                    return message
            self.events.append(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))))

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def errors(self) -> list[str]:
        found = []
        for m in self.events:
            method, params = m.get("method"), m.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found


@pytest.fixture
def browser(tmp_path):
    profile = tmp_path / "chromium-profile"
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Chromium did not start (exit code {proc.poll()})")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=20) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        for domain in ("Runtime", "Log", "Page"):
            tools.call(f"{domain}.enable")
        yield tools
        tools.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line) if bpp == 3 else bytes(v for j, v in enumerate(line) if j % 4 != 3))
        prev = line
    return width, height, rows


def colors_in(rows: list[bytes]) -> set[str]:
    return {"#%02x%02x%02x" % tuple(row[i:i + 3]) for row in rows for i in range(0, len(row), 3)}


@pytest.fixture
def report_page(raw_copy, tmp_path) -> Path:
    shutil.copy(raw_copy / SEEDS["003"], raw_copy / "zz copy of 003.txt")
    (raw_copy / "empty.txt").write_bytes(b"")
    out = tmp_path / "clean"
    clean_directory(raw_copy, out)
    return out / "report.html"


def test_report_renders_in_chromium(browser, report_page, tmp_path):
    browser.call("Page.navigate", url=report_page.as_uri())
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("document.title") == "presswash run report"
    charts = browser.evaluate(
        "[...document.querySelectorAll('svg.chart')].map(s => { const r = s.getBoundingClientRect();"
        " return {id: s.closest('section').id, w: r.width, h: r.height, bars: s.querySelectorAll('rect').length}; })"
    )
    assert [c["id"] for c in charts] == ["chart-formats", "chart-sites", "chart-lengths", "chart-duplicates", "chart-rules", "chart-rejections"]
    for chart in charts:
        assert chart["w"] > 300 and chart["h"] > 20 and chart["bars"] >= 1, chart

    shot = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
    (tmp_path / "report.png").write_bytes(shot)
    width, height, rows = decode_png(shot)
    assert width == 1280 and height > 1000
    seen = colors_in(rows[::4])
    assert len(seen) > 50  # not a blank page
    for series in ("documents", "duplicates", "rejected", "neutral"):
        assert COLORS[series] in seen, f"no {series} bars painted"

    # the duplicate's link lands on the document kept in its place
    browser.evaluate("document.querySelector('a.survivor').click()")
    target = browser.evaluate("location.hash")
    assert target.startswith("#doc-") and browser.evaluate(f"document.getElementById({json.dumps(target[1:])}) !== null")
    assert browser.evaluate("window.scrollY") > 0

    assert browser.errors() == []
    # and the error collection works: a console error is seen
    browser.evaluate("console.error('probe')")
    time.sleep(0.2)
    browser.call("Runtime.evaluate", expression="1")
    assert browser.errors() == ["probe"]
