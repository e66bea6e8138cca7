"""report.html as the run's dashboard, rendered by headless Chromium (the harness of
test_html_page): every kind of input is found on the page where it belongs, the colour
section shows the chart with the calibration file's own figures and flips before/after, and
a second run that replaces one photo and removes another shows both changes first."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

from PIL import Image

from tests.conftest import ROOT, SAMPLES
from tests.report.test_html_page import Browser, run_cli


class Tab:
    """One page open in headless Chromium: evaluate expressions, take screenshots, collect errors."""

    def __init__(self, tmp_path: Path):
        self.browser = Browser(tmp_path / "chromium-profile")
        target = self.browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.browser.send(f"{domain}.enable", session=self.session)
        self.browser.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 1800,
                                                                 "deviceScaleFactor": 1, "mobile": False},
                          session=self.session)

    def open(self, page: Path) -> None:
        self.browser.events = [e for e in self.browser.events if e.get("method") != "Page.loadEventFired"]
        self.browser.send("Page.navigate", {"url": page.as_uri()}, session=self.session)
        self.browser.wait_for("Page.loadEventFired")

    def eval(self, expression: str):
        result = self.browser.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                        "returnByValue": True}, session=self.session)
        if "exceptionDetails" in result:
            raise AssertionError(result["exceptionDetails"])
        return result["result"].get("value")

    def shot(self, path: Path) -> None:
        png = self.browser.send("Page.captureScreenshot", {"format": "png"}, session=self.session)["data"]
        path.write_bytes(base64.b64decode(png))
        print(f"\nscreenshot: {path}")

    def errors(self) -> list[str]:
        out = []
        for e in self.browser.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(f"console: {p.get('args')}")
            elif m == "Runtime.exceptionThrown":
                out.append(f"exception: {p.get('exceptionDetails', {}).get('text')}")
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        return out

    def close(self) -> None:
        self.browser.close()


PROBE = """(async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => (i.complete && i.naturalWidth) ? 0 :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  const texts = s => Array.from(document.querySelectorAll(s)).map(e => e.textContent);
  const counts = {};
  document.querySelectorAll('[data-count]').forEach(e => { counts[e.dataset.count] = Number(e.textContent); });
  const items = {};
  document.querySelectorAll('.item').forEach(s => { items[s.dataset.item] = {
      figures: s.querySelectorAll('figure').length, slices: s.querySelectorAll('.page img').length,
      title: s.querySelector('.title').textContent,
      tags: Object.fromEntries(Array.from(s.querySelectorAll('figure')).map(f =>
          [f.dataset.name, Array.from(f.querySelectorAll('.tag')).map(t => t.textContent)]))}; });
  const charts = Array.from(document.querySelectorAll('#colour .chart')).map(c => ({
      method: c.querySelector('.method').textContent, before: c.querySelector('.de.before').textContent,
      after: c.querySelector('.de.after').textContent, loo: c.querySelector('.de.loo').textContent,
      pictures: c.querySelectorAll(':scope > a > img').length, pairs: c.querySelectorAll('.pair').length}));
  return JSON.stringify({title: document.title, h1: document.querySelector('h1').textContent,
      images: imgs.length, broken: imgs.filter(i => !i.naturalWidth).map(i => i.src), counts, items, charts,
      changes: texts('#changes li'), previous: texts('#changes p'), dup: texts('#inputs .dup li'),
      skip: texts('#inputs .skip li'), rej: texts('#inputs .rej li'), sheet: texts('#inputs .sheet li'),
      gone: texts('#inputs .gone li'), rows: document.querySelectorAll('#inputs table tr').length});
})()"""

FLIP = """(() => {
  const pair = document.querySelector('#colour .pair');
  const shown = () => ['before', 'after'].filter(v => pair.querySelector('img.' + v).offsetWidth > 0);
  const at_first = shown();
  pair.querySelector('button').click();
  const flipped = [shown(), pair.querySelector('img.before').naturalWidth, pair.querySelector('.view').textContent];
  document.querySelector('#colour > button[data-all=after]').click();
  return JSON.stringify({at_first, flipped, back: shown()});
})()"""


def test_the_dashboard_accounts_for_every_input_and_shows_both_changes_of_a_second_run(tmp_path):
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    shutil.copytree(SAMPLES, shoot)                      # with items.csv (A1004: a warning) and a chart
    shutil.copyfile(shoot / "A1002" / "shoe-1.jpg", shoot / "A1002" / "shoe-1 copy.jpg")      # a duplicate
    data = (shoot / "A1003_06.jpg").read_bytes()
    (shoot / "A1003_07.jpg").write_bytes(data[: len(data) // 3])                              # rejected
    profile = ROOT / "samples" / "profile.toml"          # description pages in the build
    first = run_cli("build", shoot, "-o", out, "-p", profile, "-j", "2")
    assert first.exit_code == 1, first.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    calibration = json.loads(next((out / "calibration").glob("A1001-*.json")).read_text())
    tab = Tab(tmp_path)
    try:
        tab.open(out / "report.html")
        probe = json.loads(tab.eval(PROBE))
        flip = json.loads(tab.eval(FLIP))
        tab.shot(tmp_path / "dashboard-first.png")
        assert tab.errors() == []
        assert probe["h1"] == "imgkit build of shoot → out" and probe["title"].startswith(probe["h1"] + " · 20")
        assert probe["broken"] == []
        s = report["summary"]
        for key in ("processed", "duplicate", "skipped", "rejected", "chart", "up_to_date", "replaced", "gone"):
            assert probe["counts"][key] == s[key], key
        assert (s["processed"], s["duplicate"], s["skipped"], s["rejected"], s["chart"]) == (17, 1, 1, 1, 1)
        assert probe["counts"]["run_warnings"] == 1 and probe["counts"]["files"] == 17
        # every input, and where it is said
        assert probe["rows"] == len(report["files"]) == 21
        assert probe["dup"] == ["A1002/shoe-1 copy.jpg: same bytes as A1002/shoe-1.jpg (published as A1002-01)"]
        assert probe["skip"] == ["notes.txt: not an image (.txt)"]
        reason = next(f["reason"] for f in report["files"] if f["status"] == "rejected")
        assert probe["rej"] == [f"A1003_07.jpg: {reason}"] and "truncated" in reason
        assert probe["sheet"] == ["items.csv line 5: item A1004 has no photos"]
        assert "newA1001: 6 new — A1001-01, A1001-02, A1001-03, A1001-04, A1001-05, A1001-06" in probe["changes"]
        assert "chartcolorchecker.jpg calibrates A1001" in probe["changes"]
        # the colour chart: the calibration file's own method and figures, both pictures, six corrected photos
        cs = calibration["summary"]
        [chart] = probe["charts"]
        assert chart["method"] == calibration["method"] + (" + falloff" if calibration["falloff"] else "")
        assert chart["before"] == f"{cs['mean_before']:.2f} (max {cs['max_before']:.2f})"
        assert chart["after"] == f"{cs['mean_after']:.2f} (max {cs['max_after']:.2f})"
        assert chart["loo"] == f"{cs['mean_loo']:.2f} (max {cs['max_loo']:.2f})"
        assert chart["pictures"] == 2 and chart["pairs"] == 6
        assert flip["at_first"] == ["after"] and flip["flipped"][0] == ["before"] and flip["flipped"][1] > 0
        assert flip["flipped"][2] == "before" and flip["back"] == ["after"]
        # per item: its images with what they carry, and its description page
        a1 = probe["items"]["A1001"]
        assert a1["figures"] == 6 and a1["title"] == "手绘骷髅摆件"
        assert "facts" in a1["tags"]["A1001-01.jpg"] and "new" in a1["tags"]["A1001-01.jpg"]
        assert "caption: 眼窝层次分明，立体感强" in a1["tags"]["A1001-02.jpg"]
        assert all(any(t.startswith("colour ΔE") for t in tags) for tags in a1["tags"].values())
        assert not any(t.startswith("colour") for tags in probe["items"]["A1002"]["tags"].values() for t in tags)
        for item in ("A1001", "A1002", "A1003"):
            assert probe["items"][item]["slices"] == len(list((out / "page" / item).glob("*-page-*.jpg"))) > 0

        # the second run: one photo re-shot (new bytes, same name), one deleted
        with Image.open(shoot / "A1002" / "shoe-2.jpg") as im:
            im.rotate(180).save(shoot / "A1002" / "shoe-2.jpg", quality=85)
        (shoot / "A1003_06.jpg").unlink()
        second = run_cli("build", shoot, "-o", out, "-p", profile, "-j", "2")
        assert second.exit_code == 1, second.output            # A1003_07.jpg is still rejected
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        tab.open(out / "report.html")
        probe = json.loads(tab.eval(PROBE))
        tab.shot(tmp_path / "dashboard-second.png")
        assert tab.errors() == [] and probe["broken"] == []
        assert probe["counts"]["replaced"] == report["summary"]["replaced"] == 1
        assert probe["counts"]["gone"] == report["summary"]["gone"] == 1
        assert probe["counts"]["processed"] == 0 and probe["counts"]["up_to_date"] == 15
        # what changed comes first: the replaced image and the gone one, by name
        assert probe["changes"][0] == "replacedA1002: 1 replaced — A1002-02"
        assert probe["changes"][1].startswith("goneA1003-04 gone: its source is no longer there")
        assert str(shoot / "A1003_06.jpg") in probe["changes"][1]
        assert probe["gone"] == [f"A1003-04 kept, its source is gone: {shoot / 'A1003_06.jpg'}"]
        assert probe["previous"] and probe["previous"][0].startswith("The run before: build at 20")
        assert "replaced" in probe["items"]["A1002"]["tags"]["A1002-02.jpg"]
        assert not any("replaced" in t for name, t in probe["items"]["A1002"]["tags"].items() if name != "A1002-02.jpg")
    finally:
        tab.close()


def test_a_watch_page_reloads_itself_when_a_batch_lands_and_says_when_the_watch_stopped(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import photo_set

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    photo_set(inbox, 2, item="W1001", size=(900, 600))
    (inbox / "items.csv").write_text("货号,品名\nW1001,帆布包\nW1999,还没拍\n", encoding="utf-8")
    watch = subprocess.Popen([sys.executable, "-m", "imgkit", "watch", str(inbox), "-o", str(out), "--settle", "0.3",
                              "--rescan", "1", "-j", "1"], cwd=ROOT, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tab = Tab(tmp_path)

    def until(expression: str, what: str, timeout: float = 60, running: bool = True):
        deadline = time.monotonic() + timeout
        while not tab.eval(expression):
            assert time.monotonic() < deadline and (watch.poll() is None or not running), f"waited for {what}"
            time.sleep(0.2)
    try:
        deadline = time.monotonic() + 60
        while not (out / "report.js").is_file():
            assert time.monotonic() < deadline and watch.poll() is None, "no report.js from the watch"
            time.sleep(0.1)
        tab.open(out / "report.html")
        assert tab.eval("document.documentElement.dataset.stamp.length > 0")
        assert tab.eval("document.querySelector('h1').textContent") == "imgkit watch of inbox → out"
        assert "reloads itself" in tab.eval("document.getElementById('live').textContent")
        assert tab.eval("document.querySelectorAll('figure').length") == 2
        assert tab.eval("document.querySelector('#inputs .sheet li').textContent") == \
            "items.csv line 3: item W1999 has no photos"
        assert tab.eval("document.querySelector('.item .title').textContent") == "帆布包"
        tab.eval("window.keptSinceLoad = true")
        photo_set(inbox, 3, item="W1001", size=(900, 600), prefix="NEW_")    # a batch lands
        until("!window.keptSinceLoad && document.querySelectorAll('figure').length === 5", "the page to reload")
        assert tab.eval("document.querySelector('[data-count=processed]').textContent") == "5"
        tab.eval("window.keptSinceLoad = true")
        watch.send_signal(signal.SIGTERM)
        assert watch.wait(60) == 0
        until("document.getElementById('live').textContent.includes('stopped')", "the page to say it stopped",
              running=False)
        assert tab.eval("window.keptSinceLoad === true")     # told, not reloaded: the page is final
        time.sleep(2.5)                                       # and it polls no more
        assert tab.eval("window.keptSinceLoad === true") and tab.errors() == []
    finally:
        tab.close()
        if watch.poll() is None:
            watch.kill()
            watch.wait()


def test_validate_html_shows_main_images_under_their_item(tmp_path):
    from tests.conftest import copy_samples

    shoot, out = copy_samples(tmp_path / "shoot"), tmp_path / "out"
    assert run_cli("build", shoot, "-o", out, "-j", "2").exit_code == 0
    (out / "main").mkdir()
    made = run_cli("main-image", "--logo", ROOT / "profiles" / "assets" / "sample-logo.png",
                   "--company", "禾木家居生活馆", "--copy", "正品保障 7天退换", "--bg", "#1f4e8c",
                   "-o", out / "main" / "A1001-main.png")
    assert made.exit_code == 0, made.output
    page = tmp_path / "check" / "validate.html"
    page.parent.mkdir()
    assert run_cli("validate", out, "--html", page).exit_code == 0
    tab = Tab(tmp_path)
    try:
        tab.open(page)
        probe = json.loads(tab.eval("""(async () => {
          const imgs = Array.from(document.images);
          imgs.forEach(i => { i.loading = 'eager'; });
          await Promise.all(imgs.map(i => (i.complete && i.naturalWidth) ? 0 :
              new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
          const main = document.querySelector('.item[data-item=A1001] .main img');
          return JSON.stringify({h1: document.querySelector('h1').textContent, main: main && main.naturalWidth,
              text: document.querySelector('.item[data-item=A1001] .main').textContent,
              broken: imgs.filter(i => !i.naturalWidth).length, loose: document.querySelectorAll('#loose').length,
              runTags: document.querySelectorAll('.tag.processed, .tag.replaced').length});
        })()"""))
        assert tab.errors() == []
        assert probe["h1"] == "imgkit validate of out" and probe["broken"] == 0
        assert probe["main"] == 400 and "A1001-main.png" in probe["text"] and "main.measure" in probe["text"]
        assert probe["loose"] == 0 and probe["runTags"] == 0     # its findings said once; no run's badges
    finally:
        tab.close()
