"""report.html opened in headless Chromium (Debian's `chromium`, installed by .ci/run).

The browser is driven over the DevTools protocol on ``--remote-debugging-pipe`` (fds 3 and 4,
NUL-separated JSON): no port, no network, no extra Python package. The page must load with
no console error or exception, every thumbnail must decode (naturalWidth > 0), the counts
shown must match report.json / validate's JSON, and a screenshot is saved under the test's
tmp dir (the path is printed).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from imgkit.cli import main
from tests.conftest import SAMPLES, copy_samples

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


class Browser:
    """Just enough of the DevTools protocol: send a command, wait for its answer, keep events."""

    def __init__(self, profile_dir: Path):
        if not CHROMIUM:
            pytest.fail("chromium is not installed (apt-get install -y chromium; .ci/run does it)")
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        hi = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_r, from_w)]
        for fd in (to_r, from_w):
            os.close(fd)

        def child_fds():
            os.dup2(hi[0], 3)
            os.dup2(hi[1], 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile_dir}", "--remote-debugging-pipe", "--window-size=1280,900",
             "about:blank"],
            preexec_fn=child_fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in hi:
            os.close(fd)
        self.out = os.fdopen(to_w, "wb", buffering=0)
        self.inp = os.fdopen(from_r, "rb", buffering=0)
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = self.inp.read(1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.out.write(json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        seen = [e for e in self.events if e.get("method") == method]
        while not seen:
            e = self._read(deadline)
            self.events.append(e)
            if e.get("method") == method:
                return e
        return seen[0]

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.inp.close()


PROBE = """(async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => (i.complete && i.naturalWidth) ? 0 :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  const counts = {};
  document.querySelectorAll('[data-count]').forEach(e => { counts[e.dataset.count] = Number(e.textContent); });
  const items = Array.from(document.querySelectorAll('.item')).map(e =>
      [e.dataset.item, e.dataset.status, e.querySelectorAll('figure').length]);
  document.querySelector('button[data-filter=fail]').click();
  const shownAfterFail = Array.from(document.querySelectorAll('.item')).filter(e => !e.hidden).length;
  document.querySelector('button[data-filter=all]').click();
  return JSON.stringify({images: imgs.length, broken: imgs.filter(i => !i.naturalWidth).map(i => i.src),
                         counts, items, shownAfterFail, rejected: document.querySelectorAll('.rej li').length});
})()"""


def open_page(page: Path, tmp_path: Path, shot: Path) -> tuple[dict, list[str]]:
    """Load ``page``; return what PROBE saw and every console error/exception/log error."""
    browser = Browser(tmp_path / "chromium-profile")
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Page.navigate", {"url": page.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        result = browser.send("Runtime.evaluate", {"expression": PROBE, "awaitPromise": True,
                                                   "returnByValue": True}, session=session)
        probe = json.loads(result["result"]["value"])
        png = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False},
                           session=session)["data"]
        shot.write_bytes(base64.b64decode(png))
        print(f"\nscreenshot: {shot}")
        errors = []
        for e in browser.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(f"console: {p.get('args')}")
            elif m == "Runtime.exceptionThrown":
                errors.append(f"exception: {p.get('exceptionDetails', {}).get('text')}")
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        return probe, errors
    finally:
        browser.close()


@pytest.fixture
def shoot_with_a_bad_file(tmp_path) -> Path:
    shoot = tmp_path / "shoot"
    copy_samples(shoot)
    data = (SAMPLES / "A1002" / "shoe-1.jpg").read_bytes()
    (shoot / "A1002" / "shoe-6.jpg").write_bytes(data[: len(data) // 3])  # truncated: rejected
    return shoot


def test_build_writes_a_report_that_chromium_renders(shoot_with_a_bad_file, tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", shoot_with_a_bad_file, "-o", out, "-j", "1")
    assert result.exit_code == 1  # one input rejected
    page = out / "report.html"
    report = json.loads((out / "report.json").read_text())
    probe, errors = open_page(page, tmp_path, tmp_path / "build-report.png")
    assert errors == []
    assert probe["images"] == 17 and probe["broken"] == []
    assert probe["counts"]["rejected"] == report["summary"]["rejected"] == 1 == probe["rejected"]
    assert probe["counts"]["files"] == report["summary"]["processed"] == 17
    assert sorted((i, n) for i, _, n in probe["items"]) == [("A1001", 6), ("A1002", 5), ("A1003", 6)]
    assert probe["counts"]["items_ready"] == 3 and probe["shownAfterFail"] == 0
    assert "truncated" in page.read_text() or "corrupt" in page.read_text()
    thumbs = list((out / ".imgkit" / "thumbs").iterdir())
    assert len(thumbs) == 17 and max(p.stat().st_size for p in thumbs) < 20_000
    assert page.stat().st_size < 40_000  # the page itself stays small; thumbnails are files


def test_rebuild_makes_thumbnails_only_for_what_changed(tmp_path):
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    copy_samples(shoot / "A1001", "A1001")
    assert run_cli("build", shoot, "-o", out, "-j", "1").exit_code == 0
    before = {p.name: p.stat().st_mtime_ns for p in (out / ".imgkit" / "thumbs").iterdir()}
    (out / "detail" / "A1001" / "A1001-02.jpg").unlink()  # build makes it again
    assert run_cli("build", shoot, "-o", out, "-j", "1").exit_code == 0
    after = {p.name: p.stat().st_mtime_ns for p in (out / ".imgkit" / "thumbs").iterdir()}
    assert len(after) == 6
    kept = {n for n in before if n in after and before[n] == after[n]}
    assert len(kept) == 5 and not any("A1001-02" in n for n in kept)


def test_validate_html_counts_match_its_json(tmp_path):
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    copy_samples(shoot)
    assert run_cli("build", shoot, "-o", out, "-j", "1").exit_code == 0
    (out / "detail" / "A1003" / "A1003-06.jpg").unlink()  # A1003 now has 5: still fine
    (out / "detail" / "A1002" / "A1002-05.jpg").unlink()  # A1002 now has 4: blocked
    page = tmp_path / "elsewhere" / "check.html"
    page.parent.mkdir()
    result = run_cli("validate", out, "--html", page, "--json", tmp_path / "v.json")
    assert result.exit_code == 1
    data = json.loads((tmp_path / "v.json").read_text())
    probe, errors = open_page(page, tmp_path, tmp_path / "validate-report.png")
    assert errors == []
    assert probe["broken"] == [] and probe["images"] == data["summary"]["files"] == 15
    assert len(list((page.parent / "thumbs").iterdir())) == 15   # beside a page outside a build tree
    for key in ("items_ready", "items_blocked", "files", "errors", "warnings"):
        assert probe["counts"][key] == data["summary"][key], key
    assert probe["counts"]["items_blocked"] == 1 and probe["shownAfterFail"] == 1
    assert dict((i, s) for i, s, _ in probe["items"]) == {"A1001": "pass", "A1002": "fail", "A1003": "pass"}
