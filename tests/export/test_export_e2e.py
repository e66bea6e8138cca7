"""`imgkit export` end to end on the sample shoot: built with the real CLI, then exported for
every platform; layouts, names, sizes, byte caps, the watermark where it is allowed, a second
export that writes nothing, and a shoot that changes (a re-shot photo, a pruned slot)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imgkit import profile as profiles
from imgkit.checks.watermark_match import find_watermark, luma, template_from_rgba
from imgkit.imaging.watermark import watermark_image
from tests.conftest import copy_samples, tree_hashes
from tests.conftest import invoke as run

PLATFORMS = ("taobao", "tmall", "jd", "pdd", "amazon", "shopify")
ASINS = {"A1001": "B0SKULL001", "A1002": "B0SHOE0002", "A1003": "B0CAMERA03"}
SLOTS = {"A1001": 6, "A1002": 5, "A1003": 6}


def write_sheet(path: Path, asins: dict[str, str]) -> Path:
    rows = ["货号,品名,asin,卖点",
            *(f"{item},{name},{asins.get(item, '')},{points}" for item, name, points in (
                ("A1001", "手绘骷髅摆件", "眼窝层次分明|侧面颅骨纹理清晰"),
                ("A1002", "轻量跑步鞋", "飞织鞋面，透气轻盈|加厚鞋舌"),
                ("A1003", "复古胶片相机", "金属机身，手感扎实")))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path




def build(src: Path, out: Path, *extra):
    result = run("build", src, "-o", out, "-j", "2", *extra)
    assert result.exit_code == 0, result.output
    return result


def export(out: Path, platforms: str, *extra):
    result = run("export", out, "--for", platforms, "-j", "2", "--json", *extra)
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(result.stdout)
    refused = [r for p in doc["platforms"] for r in p["refused"]] + [s for p in doc["platforms"] for s in p["skipped"]]
    assert result.exit_code == (1 if refused else 0), (result.exit_code, refused)
    return result, doc


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The sample shoot with a sheet that has an asin column, built, exported for all six."""
    root = tmp_path_factory.mktemp("export")
    src = copy_samples(root / "shoot")
    write_sheet(src / "items.csv", ASINS)
    out = root / "out"
    build(src, out)
    result, doc = export(out, ",".join(PLATFORMS))
    return src, out, result, doc


def files_of(doc: dict, platform: str) -> dict[str, dict]:
    return {f["name"]: f for p in doc["platforms"] if p["platform"] == platform for f in p["files"]}


def refused_of(doc: dict, platform: str) -> dict[str, str]:
    return {r["name"]: r["reason"] for p in doc["platforms"] if p["platform"] == platform for r in p["refused"]}


@pytest.mark.slow
def test_every_platform_gets_its_layout_and_names(shop):
    _src, out, _result, doc = shop
    for platform in PLATFORMS:
        made = set(files_of(doc, platform)) | set(refused_of(doc, platform))
        on_disk = {p.relative_to(out / "export" / platform).as_posix()
                   for p in (out / "export" / platform).rglob("*") if p.is_file()}
        assert on_disk == set(files_of(doc, platform)), platform
        for item, n in SLOTS.items():
            if platform in ("taobao", "tmall"):
                want = {f"{item}/main/{item}-main-{i:02d}.jpg" for i in range(1, 6)}
                want |= {f"{item}/main/{item}-tall-{i:02d}.jpg" for i in range(1, 5)}
            elif platform in ("jd", "pdd"):
                want = {f"{item}/main/{item}-main-{i:02d}.jpg" for i in range(1, 6)}
            elif platform == "amazon":
                want = {f"{ASINS[item]}.MAIN.jpg"} | {f"{ASINS[item]}.PT{i:02d}.jpg" for i in range(1, n)}
            else:
                want = {f"{item}/{item}-{i:02d}.jpg" for i in range(1, n + 1)}
            mine = {m for m in made if m.startswith(item) or m.startswith(ASINS[item])}
            assert want <= mine, (platform, item, sorted(want - mine))
            details = sorted(m for m in mine - want)
            if platform in ("amazon", "shopify"):
                assert not details, (platform, details)
            else:
                assert details and details == [f"{item}/detail/{item}-detail-{i:02d}.jpg"
                                               for i in range(1, len(details) + 1)], (platform, details)
    amazon = out / "export" / "amazon"
    assert all(p.is_file() and p.parent == amazon for p in amazon.iterdir()), "Amazon's pack is flat"
    assert all(re.fullmatch(r"B0[A-Z0-9]+\.(MAIN|PT0[1-8])\.jpg", p.name) for p in amazon.iterdir())


@pytest.mark.slow
def test_no_item_is_exported_twice(shop):
    _src, out, _result, doc = shop
    for p in doc["platforms"]:
        names = [f["name"] for f in p["files"]] + [r["name"] for r in p["refused"]]
        assert len(names) == len(set(names)), p["platform"]
        for item in SLOTS:   # an item's files live under its own folder (or its own key) only
            others = [n for n in names if item in n and not (n.startswith(f"{item}/") or n.startswith(ASINS[item]))]
            assert not others, others
    again = run("export", out, "--for", "taobao,taobao", "--json")
    assert json.loads(again.stdout)["platforms"][0]["platform"] == "taobao"
    assert len(json.loads(again.stdout)["platforms"]) == 1


@pytest.mark.slow
def test_sizes_and_byte_caps_of_every_file(shop):
    _src, out, _result, doc = shop
    for platform in PLATFORMS:
        exp = profiles.load(platform).export
        for name, f in files_of(doc, platform).items():
            path = out / "export" / platform / name
            assert path.stat().st_size == f["bytes"]
            with Image.open(path) as im:
                assert im.format == "JPEG" and im.mode == "RGB" and "exif" not in im.info
                size = im.size
            if "-detail-" in name:
                assert size[0] == exp.detail_width and size[1] <= exp.detail_slice_height, (name, size)
                assert f["bytes"] <= exp.detail_max_bytes
            elif "-tall-" in name:
                assert size == (exp.tall_width, exp.tall_height)
                assert f["bytes"] <= exp.main_max_bytes
            else:
                assert size == (exp.main_size, exp.main_size), (name, size)
                white = f["kind"] == "white"
                assert f["bytes"] <= ((exp.white_max_bytes or exp.main_max_bytes) if white else exp.main_max_bytes)
                if white and exp.white_min_bytes:
                    assert f["bytes"] >= exp.white_min_bytes or f["quality"] == 100
            assert exp.quality_min <= f["quality"] <= 100


def mark_score(path: Path) -> float:
    """The best match of the shop's watermark anywhere in the picture (1 = the mark)."""
    mark = template_from_rgba(np.asarray(watermark_image(profiles.load())))
    rgb = np.asarray(Image.open(path).convert("RGB"))
    return find_watermark(luma(rgb), mark).score


@pytest.mark.slow
def test_watermark_where_allowed_never_on_amazon_or_white_images(shop):
    _src, out, _result, doc = shop
    root = out / "export"
    assert mark_score(root / "taobao/A1002/main/A1002-main-01.jpg") >= 0.82
    assert mark_score(root / "jd/A1002/main/A1002-main-02.jpg") >= 0.82
    assert mark_score(root / "taobao/A1002/detail/A1002-detail-01.jpg") >= 0.82
    assert mark_score(root / "pdd/A1003/detail/A1003-detail-01.jpg") >= 0.82
    assert mark_score(root / f"amazon/{ASINS['A1002']}.PT01.jpg") < 0.6
    assert mark_score(root / f"amazon/{ASINS['A1003']}.PT03.jpg") < 0.6
    for platform in PLATFORMS:
        for name, f in files_of(doc, platform).items():
            if f["kind"] == "white":
                assert mark_score(root / platform / name) < 0.6, name


@pytest.mark.slow
def test_a_second_export_writes_nothing(shop):
    _src, out, first, doc = shop
    before = tree_hashes(out / "export")
    stamps = {p: p.stat().st_mtime_ns for p in (out / "export").rglob("*") if p.is_file()}
    result, again = export(out, ",".join(PLATFORMS))
    assert again["summary"]["written"] == 0 and again["summary"]["removed"] == 0
    assert again["summary"]["unchanged"] == doc["summary"]["written"] + doc["summary"]["unchanged"]
    assert "0 written" in result.stderr
    assert tree_hashes(out / "export") == before
    assert {p: p.stat().st_mtime_ns for p in (out / "export").rglob("*") if p.is_file()} == stamps
    assert again["summary"]["refused"] == doc["summary"]["refused"], "a refusal is said again, from the state"


def test_an_item_without_a_key_is_skipped_for_amazon_only(tmp_path):
    src = tmp_path / "shoot"
    copy_samples(src / "A1002", "A1002")
    out = tmp_path / "out"
    build(src, out)
    sheet = write_sheet(tmp_path / "keys.csv", {})
    result = run("export", out, "--for", "amazon,pdd", "--items", sheet)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "skipped" in line]
    assert lines == ["imgkit: skipped: amazon A1002: no asin or sku in its row of keys.csv"]
    assert not (out / "export" / "amazon").exists() or not list((out / "export" / "amazon").iterdir())
    assert len(list((out / "export/pdd/A1002/main").glob("*.jpg"))) == 5


def test_usage_errors_write_nothing(tmp_path):
    src = tmp_path / "shoot"
    copy_samples(src / "A1002", "A1002")
    out = tmp_path / "out"
    build(src, out)
    other = tmp_path / "my-taobao.toml"
    other.write_text('name = "mine"\n[export]\nplatform = "taobao"\nmain_size = 900\n', encoding="utf-8")
    for args, message in ((("--for", f"taobao,{other}"), "both for taobao"),
                          (("--for", "default"), "is not an export profile"),
                          (("--for", ""), "name at least one platform"),
                          (("--for", "nosuch"), "nosuch")):
        result = run("export", out, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (out / "export").exists()
    assert run("export", tmp_path / "shoot", "--for", "pdd").exit_code == 2


@pytest.mark.slow
def test_a_reshot_photo_re_exports_only_its_files_and_a_pruned_slot_removes_them(tmp_path):
    src = tmp_path / "shoot"
    copy_samples(src / "A1002", "A1002")
    write_sheet(src / "items.csv", ASINS)
    out = tmp_path / "out"
    build(src, out)
    _r, first = export(out, "taobao,amazon,shopify")
    before = tree_hashes(out / "export")
    # re-shoot image 03: same size, other bytes (mirrored)
    shot = src / "A1002" / "shoe-3.jpg"
    Image.open(shot).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(shot, quality=90)
    build(src, out)
    result, doc = export(out, "taobao,amazon,shopify")
    written = {f"{p['platform']}/{f['name']}" for p in doc["platforms"] for f in p["files"] if f["status"] == "written"}
    shows_3 = {"taobao/A1002/main/A1002-main-03.jpg", "taobao/A1002/main/A1002-tall-03.jpg",
               f"amazon/{ASINS['A1002']}.PT02.jpg", "shopify/A1002/A1002-03.jpg"}
    assert shows_3 <= written
    others = written - shows_3
    assert all("/detail/" in w for w in others), others
    after = tree_hashes(out / "export")
    changed = {k for k in after if after.get(k) != before.get(k)}
    assert changed == written and set(after) == set(before)
    history = out / ".imgkit" / "history" / "export"
    assert any(p.as_posix().endswith("shopify/A1002/A1002-03.jpg") for p in history.rglob("*.jpg")), \
        "the replaced file went to history"
    # prune: the last photo gone, the item closes up to 01..04
    (src / "A1002" / "shoe-5.jpg").unlink()
    build(src, out, "--prune")
    result, doc = export(out, "taobao,amazon,shopify")
    removed = {f"{p['platform']}/{n}" for p in doc["platforms"] for n in p["removed"]}
    assert {"shopify/A1002/A1002-05.jpg", f"amazon/{ASINS['A1002']}.PT04.jpg"} <= removed
    assert not (out / "export/shopify/A1002/A1002-05.jpg").exists()
    assert any(p.name == "A1002-05.jpg" for p in history.rglob("*.jpg"))
    assert doc["summary"]["written"] == 0 or all(
        "/detail/" in f["name"] for p in doc["platforms"] for f in p["files"] if f["status"] == "written")
    assert "removed: export/shopify/A1002/A1002-05.jpg" in result.stderr


@pytest.mark.slow
def test_report_html_shows_each_pack_per_item(shop):
    _src, out, _result, doc = shop
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<section class="panel" id="packs"><h2>Marketplace packs</h2>' in page
    section = page.split('id="packs"', 1)[1].split("</section>", 1)[0]
    for p in doc["platforms"]:
        if not p["files"] and not p["refused"]:
            continue
        block = section.split(f'data-platform="{p["platform"]}"', 1)[1].split("</details>", 1)[0]
        assert block.count('<figure class="pack-file"') == len(p["files"]), p["platform"]
        for item in {f["item"] for f in p["files"]}:
            assert f'data-item="{item}"' in block
        for f in p["files"]:
            assert Path(f["name"]).name in block
        for r in p["refused"]:
            assert html_escape(r["reason"]) in block
    thumbs = re.findall(r'<figure class="pack-file"[^>]*><img[^>]* src="([^"]+)"', section)
    assert thumbs and all((out / t).is_file() for t in thumbs)
    assert re.search(r"\d+ KB · q \d+", section), "bytes and the quality reached are shown"


def html_escape(text: str) -> str:
    import html
    return html.escape(text, quote=True)


def test_a_description_over_the_slice_count_is_refused_and_the_rest_made(tmp_path):
    src = tmp_path / "shoot"
    copy_samples(src / "A1002", "A1002")
    out = tmp_path / "out"
    build(src, out)
    mine = tmp_path / "pdd-short.toml"
    mine.write_text('extends = "pdd"\nname = "pdd-short"\n[export]\ndetail_slice_height = 600\n'
                    'detail_max_count = 2\n', encoding="utf-8")
    result = run("export", out, "--for", str(mine))
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "refused" in line]
    assert len(lines) == 1 and re.fullmatch(r"imgkit: refused: pdd A1002 description: the description needs (\d+) "
                                            r"slices of at most 600 px, the platform takes at most 2", lines[0])
    assert int(re.search(r"needs (\d+)", lines[0]).group(1)) > 2
    assert len(list((out / "export/pdd/A1002/main").glob("*.jpg"))) == 5
    assert not (out / "export/pdd/A1002/detail").exists()


@pytest.mark.slow
def test_white_images_are_pure_white_outside_the_product_and_at_the_platforms_fill(shop):
    _src, out, _result, doc = shop
    whites = [(p["platform"], f) for p in doc["platforms"] for f in p["files"] if f["kind"] == "white"]
    assert whites, "the sample shoot's camera (A1003) is on a plain backdrop: it gets white images"
    for platform, f in whites:
        exp = profiles.load(platform).export
        rgb = np.asarray(Image.open(out / "export" / platform / f["name"]).convert("RGB"))
        x, y, w, h = f["cutout"]["placed"]
        assert max(w, h) == pytest.approx(exp.white_fill * exp.main_size, abs=2), (platform, f["name"])
        outside = np.ones(rgb.shape[:2], bool)
        outside[max(0, y - 16):y + h + 16, max(0, x - 16):x + w + 16] = False   # JPEG blocks touching it
        assert outside.any() or exp.white_fill > 0.98
        assert (rgb[outside] == 255).all(), (platform, f["name"], int((rgb[outside] != 255).any(axis=1).sum()))
        band = max(1, round(exp.white_band * exp.main_size))   # the frame's border band, less the product
        border = np.zeros(rgb.shape[:2], bool)
        border[:band], border[-band:], border[:, :band], border[:, -band:] = True, True, True, True
        border[y:y + h, x:x + w] = False
        assert (rgb[border] == 255).all(axis=1).mean() >= exp.white_purity, (platform, f["name"])
        if exp.white_min_bytes:
            assert f["bytes"] >= exp.white_min_bytes or f["quality"] == 100


@pytest.mark.slow
def test_the_packs_section_renders_in_chromium(shop, tmp_path):
    from tests.report.test_html_page import open_page
    _src, out, _result, doc = shop
    probe, errors = open_page(out / "report.html", tmp_path, tmp_path / "export-report.png")
    assert errors == []
    assert probe["broken"] == []
    files = sum(len(p["files"]) for p in doc["platforms"])
    assert probe["images"] >= files + 17   # every pack image's thumbnail, and the 17 detail images'


@pytest.mark.slow
def test_every_platforms_validate_passes_the_pack_but_for_refused_white_images(shop):
    _src, out, _result, doc = shop
    for p in doc["platforms"]:
        platform = p["platform"]
        result = run("validate", out / "export" / platform, "-p", platform, "--json", "-")
        report = json.loads(result.stdout)
        errors = [f for f in report["findings"] if f["severity"] == "error"]
        refused = {r["item"] for r in p["refused"]}
        assert {f["rule"] for f in errors} <= {"pack.white.missing"}, (platform, errors)
        named = {ASINS.get(i, i) for i in refused} | refused
        assert {f["item"] for f in errors} <= named, (platform, errors)
        assert result.exit_code == (1 if errors else 0), (platform, result.output)
        ready = {it["item"] for it in report["items"] if it["status"] != "fail"}
        assert ready == {i for i in (ASINS.values() if platform == "amazon" else SLOTS)} - named, platform


def test_a_renumbered_item_re_exports_the_positions_that_moved(tmp_path):
    src = tmp_path / "shoot"
    copy_samples(src / "A1002", "A1002")
    out = tmp_path / "out"
    build(src, out)
    _r, first = export(out, "shopify")
    before = tree_hashes(out / "export" / "shopify")
    result = run("renumber", out, "A1002", "--order", "2,1,3,4,5")
    assert result.exit_code == 0, result.output
    _r, doc = export(out, "shopify")
    written = {f["name"] for f in doc["platforms"][0]["files"] if f["status"] == "written"}
    assert written == {"A1002/A1002-01.jpg", "A1002/A1002-02.jpg"}
    after = tree_hashes(out / "export" / "shopify")
    assert after["A1002/A1002-01.jpg"] == before["A1002/A1002-02.jpg"]
    assert after["A1002/A1002-02.jpg"] == before["A1002/A1002-01.jpg"]
    assert {k: v for k, v in after.items() if "-01" not in k and "-02" not in k} == \
        {k: v for k, v in before.items() if "-01" not in k and "-02" not in k}


def test_an_export_killed_half_way_is_completed_by_the_next(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT
    src = tmp_path / "shoot"
    copy_samples(src / "A1002", "A1002")
    out = tmp_path / "out"
    build(src, out)
    proc = subprocess.Popen([sys.executable, "-m", "imgkit", "export", str(out), "--for", "shopify,pdd", "-j", "1"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((out / "export").rglob("*.jpg")):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _r, doc = export(out, "shopify,pdd")
    names = {f"{p['platform']}/{f['name']}" for p in doc["platforms"] for f in p["files"]}
    on_disk = {p.relative_to(out / "export").as_posix() for p in (out / "export").rglob("*.jpg")}
    assert doc["summary"]["ok"] and names == on_disk
    assert len([n for n in names if "/detail/" not in n]) == 10 and any("/detail/" in n for n in names)
    assert not [p for p in (out / "export").rglob("*") if p.name.startswith(".")], "no temporary file left"
    _r, again = export(out, "shopify,pdd")
    assert again["summary"]["written"] == 0
