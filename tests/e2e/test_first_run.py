"""README's first command on a copy of the shipped sample shoot shows the whole job: facts
panels, captions, a colour calibration and description pages, measured in the pixels and the
state, with the per-file lines and the summary on stdout."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.conftest import ROOT, SAMPLES

#: README's first command, after the install: `.venv/bin/imgkit build samples/inbox -p samples/profile.toml`
README_BUILD = ["build", "{inbox}", "-p", "samples/profile.toml"]


def near(pixels: np.ndarray, rgb: str, tolerance: int = 14) -> float:
    """The fraction of ``pixels`` within ``tolerance`` of the colour ``#rrggbb`` on every channel."""
    target = np.array([int(rgb[i:i + 2], 16) for i in (1, 3, 5)])
    return float((np.abs(pixels.astype(int) - target).max(axis=-1) <= tolerance).mean())


def photo_height(out, item: str, index: int) -> int:
    """The photo's height in a 710 px detail image: the raw copy's shape, EXIF orientation applied."""
    raw = next((out / "raw" / item).glob(f"{item}-{index:02d}.*"))
    with Image.open(raw) as im:
        shown = ImageOps.exif_transpose(im)
        return round(710 * shown.height / shown.width)


def colour_shift(out, item: str, index: int) -> np.ndarray:
    """Mean RGB of the detail image's photo (its upper half, away from bands and watermark)
    minus that of the raw copy shrunk alike: what the colour correction moved."""
    raw = next((out / "raw" / item).glob(f"{item}-{index:02d}.*"))
    with Image.open(raw) as im:
        shown = ImageOps.exif_transpose(im).convert("RGB")
    h = round(710 * shown.height / shown.width)
    before = np.asarray(shown.resize((710, h), Image.Resampling.LANCZOS), dtype=float)[: h // 2]
    after = np.asarray(Image.open(out / "detail" / item / f"{item}-{index:02d}.jpg").convert("RGB"), dtype=float)
    return after[: h // 2].mean(axis=(0, 1)) - before.mean(axis=(0, 1))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """The sample shoot copied, then README's build on it exactly (default OUT, default -j)."""
    inbox = tmp_path_factory.mktemp("first") / "inbox"
    shutil.copytree(SAMPLES, inbox)
    args = [a.format(inbox=inbox) for a in README_BUILD]
    run = subprocess.run([sys.executable, "-m", "imgkit", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    return inbox, inbox.parent / "inbox-out", run


def test_readme_says_this_command():
    """The command tested here is the one README's first line runs (on samples/inbox itself)."""
    first_block = (ROOT / "README.md").read_text(encoding="utf-8").split("```sh\n", 1)[1].split("```", 1)[0]
    command = " ".join(README_BUILD).format(inbox="samples/inbox")
    assert first_block.splitlines()[0].endswith(f"&& .venv/bin/imgkit {command}")


def test_the_sample_run_succeeds_and_says_so_on_stdout(first_run):
    inbox, out, run = first_run
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert sum(line.startswith("processed: ") for line in lines) == 17
    assert f"skipped: {inbox / 'notes.txt'}: not an image (.txt)" in lines
    assert any(line.startswith(f"chart: {inbox / 'A1001' / 'colorchecker.jpg'}: calibrates A1001 (") for line in lines)
    assert lines[-1].startswith("imgkit: 17 processed, 0 up to date, 0 duplicate, 1 skipped, 0 rejected, "
                                "1 colour chart, 1 warning in ")
    # the sheet's row for an item still to come is a warning, on stderr with nothing else
    assert run.stderr.splitlines() == ["warning: items.csv line 5: item A1004 has no photos"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["warnings"] == ["items.csv line 5: item A1004 has no photos"]


def test_image_01_of_each_item_carries_its_facts_panel(first_run):
    _, out, _ = first_run
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    drawn = {item: json.loads(deco)["facts"] for item, deco in
             db.execute("SELECT item, decoration FROM sources WHERE idx = 1")}
    db.close()
    for item, name in (("A1001", "手绘骷髅摆件"), ("A1002", "轻量跑步鞋"), ("A1003", "复古胶片相机")):
        assert drawn[item][:2] == [["品名", name], ["货号", item]]
        im = np.asarray(Image.open(out / "detail" / item / f"{item}-01.jpg").convert("RGB"))
        top = photo_height(out, item, 1)
        assert im.shape[1] == 710 and im.shape[0] > top + 150, (item, im.shape, top)   # a band below the photo
        band = im[top + 4:, :400]           # left of the watermark, which sits bottom-right
        assert near(band, "#f5f2ed") > 0.75, item                 # the facts background ...
        assert (band.mean(axis=-1) < 110).sum() > 800, item       # ... with dark text on it
    assert drawn["A1001"][2:4] == [["颜色", "象牙白"], ["面料", "树脂"]]


def test_images_02_on_carry_the_selling_points_as_captions(first_run):
    inbox, out, _ = first_run
    sheet = (inbox / "items.csv").read_text(encoding="utf-8-sig").splitlines()
    points = {row.split(",")[0]: row.rsplit(",", 1)[1].split("|") for row in sheet[1:]}
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    drawn = {(item, idx): json.loads(deco or "{}").get("caption")
             for item, idx, deco in db.execute("SELECT item, idx, decoration FROM sources")}
    db.close()
    for item, n in (("A1001", 6), ("A1002", 5), ("A1003", 6)):
        assert [drawn[(item, i)] for i in range(2, n + 1)] == points[item][: n - 1], item
        for i in range(2, n + 1):
            im = np.asarray(Image.open(out / "detail" / item / f"{item}-{i:02d}.jpg").convert("RGB"))
            top = photo_height(out, item, i)
            band = im[top + 2:, :]
            assert im.shape[0] > top + 60 and near(band, "#2b2b2b", 20) > 0.6, (item, i)   # the caption band
            assert (band.min(axis=-1) > 200).sum() > 300, (item, i)                        # white text on it


def test_the_chart_calibrates_its_item_and_only_its_item(first_run):
    _, out, _ = first_run
    cal_files = list((out / "calibration").glob("A1001-*.json"))
    assert len(cal_files) == 1
    summary = json.loads(cal_files[0].read_text())["summary"]
    assert summary["mean_loo"] < 2.5 < summary["mean_before"]
    assert (out / "calibration" / f"{cal_files[0].stem}.png").is_file()   # its diagnostic image
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    used = dict(db.execute("SELECT item, COUNT(calibration) FROM sources GROUP BY item"))
    db.close()
    assert used == {"A1001": 6, "A1002": 0, "A1003": 0}
    for i in range(1, 7):    # the correction moved A1001's colours (warmer red, less blue) ...
        shift = colour_shift(out, "A1001", i)
        assert shift[0] > 2 and shift[0] - shift[2] > 3, (i, shift)
    for item, i in (("A1002", 2), ("A1002", 4), ("A1003", 2), ("A1003", 5)):   # ... and no one else's
        assert np.abs(colour_shift(out, item, i)).max() < 0.6, (item, i)


def test_the_sample_profile_renders_each_items_description_page(first_run):
    _, out, _ = first_run
    for item in ("A1001", "A1002", "A1003"):
        slices = sorted((out / "page" / item).glob(f"{item}-page-*.jpg"))
        assert slices and (out / "page" / item / f"{item}-page.html").is_file()
        heights = []
        for s in slices:
            with Image.open(s) as im:
                assert im.width == 750 and im.height <= 1500
                heights.append(im.height)
        # the page holds every detail image (710 px, unscaled between 20 px margins) and the heading
        details = sum(Image.open(p).height for p in (out / "detail" / item).glob("*.jpg"))
        assert sum(heights) > details + 72
        head = np.asarray(Image.open(slices[0]).convert("RGB"))[:72]
        assert near(head, "#ffffff", 6) > 0.8 and (head.mean(axis=-1) < 100).sum() > 200, item   # 品名 set on it
