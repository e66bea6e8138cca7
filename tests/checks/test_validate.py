"""`imgkit validate`: each rule on crafted good and bad files, and the sample shoot end to end."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont

from imgkit import profile as profiles
from imgkit.checks.rules import RULES, FileFacts, main_checks
from imgkit.checks.validate import as_dict, validate
from imgkit.cli import main
from imgkit.detail import pipeline as detail
from tests.conftest import DATA, SAMPLE_EXTRAS, SAMPLES, copy_samples, write_profile

ITEMS = {"A1001": 6, "A1002": 5, "A1003": 6}


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A fresh build of the sample shoot (the default profile)."""
    out = tmp_path_factory.mktemp("built") / "out"
    result = run_cli("build", copy_samples(out.parent / "shoot"), "-o", out, "-j", "1")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> dict[str, bytes]:
    """Sample photos made 710 px wide by the real pipeline but with no watermark."""
    folder = tmp_path_factory.mktemp("plain")
    prof = profiles.load(str(write_profile(folder / "p.toml", watermark={"image": "", "enabled": False})))
    return {p.name: detail.run(prof, p.read_bytes()).outputs["detail"]
            for p in sorted(SAMPLES.rglob("*.[jJ][pP][gG]")) if p.name not in SAMPLE_EXTRAS}


@pytest.fixture(scope="module")
def default():
    return profiles.load("default")


def jpeg(im: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90, **kw)
    return buf.getvalue()


def folder_of(tmp_path: Path, files: dict[str, bytes]) -> Path:
    root = tmp_path / "folder"
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def good_item(built: Path, item="A1001") -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((built / "detail" / item).iterdir())}


def rules_of(v) -> set[tuple[str, str | None]]:
    return {(f.rule, Path(f.file).name if f.file else None) for f in v.findings + v.loose}


# --- the registry -------------------------------------------------------------------------

def test_registry_has_unique_ids_and_known_scopes():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert {r.scope for r in RULES} <= {"file", "item", "overdue"}
    assert {i.split(".")[0] for i in ids} >= {"naming", "count", "size", "watermark", "colour", "file", "freshness"}


def test_main_image_checks_plug_in_from_issue_4():
    assert len(main_checks()) == 1  # check_main_image, when the main-image work is present


# --- end to end on the samples ------------------------------------------------------------

def test_fresh_build_of_samples_passes(built, tmp_path):
    result = run_cli("validate", built, "--json", tmp_path / "v.json")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "v.json").read_text())
    assert data["schema"] == 1 and data["kind"] == "validate" and data["tree"] == "build"
    assert {i["item"]: len(i["files"]) for i in data["items"]} == ITEMS
    assert all(i["status"] == "pass" for i in data["items"])
    assert data["summary"]["items_ready"] == 3 and data["summary"]["errors"] == 0
    assert all(i.get("first_seen") for i in data["items"])  # from the build state
    scores = [f["watermark"]["score"] for i in data["items"] for f in i["files"]]
    assert min(scores) >= 0.82, scores
    for line in ("A1001: pass (6 files)", "A1002: pass (5 files)", "3 of 3 items ready"):
        assert line in result.output


def test_json_to_stdout_and_usage_errors(built, tmp_path):
    result = run_cli("validate", built, "--json", "-")
    assert result.exit_code == 0
    assert json.loads(result.output)["summary"]["ok"] is True
    assert run_cli("validate", tmp_path / "missing").exit_code == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[validate]\nmin_per_item = -1\n")
    result = run_cli("validate", built, "-p", bad)
    assert result.exit_code == 2 and "min_per_item" in result.stderr


def test_raw_shoot_fails_with_reasons(tmp_path):
    result = run_cli("validate", copy_samples(tmp_path / "shoot"), "--json", tmp_path / "v.json")
    assert result.exit_code == 1
    found = {f["rule"] for f in json.loads((tmp_path / "v.json").read_text())["findings"]}
    assert {"naming.template", "size.width", "watermark.missing", "file.camera"} <= found


# --- naming and count ---------------------------------------------------------------------

def test_four_images_for_an_item(built, tmp_path):
    files = dict(list(good_item(built).items())[:4])
    v = validate(folder_of(tmp_path, files), profiles.load("default"))
    assert ("count.min", None) in rules_of(v) and not v.ok
    assert v.tree == "folder" and v.items[0].item == "A1001"


def test_gap_duplicate_template_and_extension(built, tmp_path, default):
    files = good_item(built)
    files["A1001-08.jpg"] = files.pop("A1001-06.jpg")            # 1-5, 8: a gap
    files["A1001/A1001-02.jpeg"] = files["A1001-02.jpg"]          # two files for index 2
    files["A1001-7.jpg"] = files["A1001-01.jpg"]                  # not the template's name
    files["A1001-09.JPG"] = files["A1001-01.jpg"]                 # extension case
    v = validate(folder_of(tmp_path, files), default)
    found = rules_of(v)
    assert ("naming.gap", None) in found and ("naming.duplicate", None) in found
    assert ("naming.template", "A1001-7.jpg") in found
    assert ("naming.extension", "A1001-09.JPG") in found
    gap = next(f for f in v.findings if f.rule == "naming.gap")
    assert "missing 6 (have 1-5, 7-9)" in gap.message  # A1001-7 still names index 7


# --- size, file, colour -------------------------------------------------------------------

def test_wrong_width_and_height(built, tmp_path, default):
    files = good_item(built)
    im = Image.open(io.BytesIO(files["A1001-03.jpg"]))
    files["A1001-03.jpg"] = jpeg(im.resize((700, 466)))
    files["A1001-04.jpg"] = jpeg(Image.new("RGB", (710, 2400), "white"))
    v = validate(folder_of(tmp_path, files), default)
    assert ("size.width", "A1001-03.jpg") in rules_of(v)
    assert ("size.height", "A1001-04.jpg") in rules_of(v)


def test_cmyk_foreign_icc_alpha_and_16_bit(built, tmp_path, default):
    files = good_item(built)
    files["A1001-01.jpg"] = (DATA / "pillow__pil_sample_cmyk.jpg").read_bytes()
    adobe = Image.open(DATA / "sharp__tifftag-photoshop.tiff").info["icc_profile"]
    files["A1001-02.jpg"] = jpeg(Image.open(io.BytesIO(files["A1001-02.jpg"])), icc_profile=adobe)
    rgba = io.BytesIO()
    Image.new("RGBA", (710, 400), (0, 0, 0, 0)).save(rgba, "PNG")
    files["A1001-03.jpg"] = rgba.getvalue()                       # a PNG with alpha named .jpg
    deep = io.BytesIO()
    Image.fromarray(np.full((400, 710), 40000, np.uint16)).save(deep, "PNG")
    files["A1001-04.jpg"] = deep.getvalue()
    found = rules_of(validate(folder_of(tmp_path, files), default))
    assert ("colour.cmyk", "A1001-01.jpg") in found
    assert ("colour.icc", "A1001-02.jpg") in found
    assert ("colour.alpha", "A1001-03.jpg") in found and ("file.format", "A1001-03.jpg") in found
    assert ("colour.depth", "A1001-04.jpg") in found
    assert not {r for r in found if r[1] in ("A1001-05.jpg", "A1001-06.jpg")}  # the build's own sRGB


def test_gps_camera_tags_truncated_and_too_big(built, tmp_path):
    files = good_item(built)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS R5"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    files["A1001-01.jpg"] = jpeg(Image.open(io.BytesIO(files["A1001-01.jpg"])), exif=exif)
    files["A1001-02.jpg"] = files["A1001-02.jpg"][: len(files["A1001-02.jpg"]) // 2]
    big = np.random.default_rng(1).integers(0, 256, (1500, 710, 3), np.uint8)
    files["A1001-03.jpg"] = jpeg(Image.fromarray(big))
    prof = profiles.load(str(write_profile(tmp_path / "p.toml", validate={"max_file_bytes": 300_000})))
    v = validate(folder_of(tmp_path, files), prof)
    found = rules_of(v)
    assert ("file.gps", "A1001-01.jpg") in found and ("file.camera", "A1001-01.jpg") in found
    assert ("file.decode", "A1001-02.jpg") in found
    assert ("file.size", "A1001-03.jpg") in found
    assert len(files["A1001-03.jpg"]) > 300_000
    camera = next(f for f in v.findings if f.rule == "file.camera")
    assert camera.severity == "warning" and "Make" in camera.message and "Model" in camera.message


# --- watermark ----------------------------------------------------------------------------

def busy_corner(data: bytes) -> bytes:
    """A photo with a high-contrast sticker and fine texture in its bottom-right corner."""
    im = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = im.size
    box = (w - 200, h - 70, w - 20, h - 20)
    rng = np.random.default_rng(7)
    arr = np.array(im)
    arr[h - 140:h, w - 260:w] = rng.integers(0, 256, (140, 260, 3), np.uint8)
    im = Image.fromarray(arr)
    draw = ImageDraw.Draw(im)
    draw.rounded_rectangle(box, radius=10, outline="white", width=3)
    draw.text(((box[0] + box[2]) // 2, (box[1] + box[3]) // 2), "SALE -50%", anchor="mm",
              font=ImageFont.load_default(28), fill="white", stroke_width=2, stroke_fill="black")
    return jpeg(im)


def test_missing_watermark_and_busy_corners_are_not_taken_for_it(built, plain, tmp_path, default):
    files = good_item(built)
    files["A1001-01.jpg"] = plain["IMG_0417.JPG"]
    files["A1001-02.jpg"] = busy_corner(plain["IMG_0418.JPG"])
    monkey = Image.open(DATA / "ljt__monkey16.png").convert("RGB").resize((710, 1082), Image.Resampling.LANCZOS)
    files["A1001-03.jpg"] = jpeg(monkey)
    v = validate(folder_of(tmp_path, files), default)
    missing = {Path(f.file).name for f in v.findings if f.rule == "watermark.missing"}
    assert missing == {"A1001-01.jpg", "A1001-02.jpg", "A1001-03.jpg"}
    scores = {Path(f.path).name: f.watermark.score for f in v.items[0].files}
    marked = min(s for n, s in scores.items() if n not in missing)
    unmarked = max(s for n, s in scores.items() if n in missing)
    print(f"watermark score: marked min {marked:.3f}, unmarked max {unmarked:.3f}, margin {marked - unmarked:.3f}")
    assert marked - unmarked > 0.15


def test_unmarked_sample_photos_all_fail(plain, tmp_path, default):
    files = {f"A1009-{i:02d}.jpg": data for i, data in enumerate(plain.values(), 1)}
    v = validate(folder_of(tmp_path, files), default)
    scores = sorted(f.watermark.score for f in v.items[0].files)
    print(f"unmarked samples: max score {scores[-1]:.3f} over {len(scores)} photos")
    assert scores[-1] < default.validate.watermark_min_score - 0.05


@pytest.mark.parametrize("width,position,margin", [(0.12, "top-left", 0.03), (0.30, "bottom-left", 0.06)])
def test_watermark_found_at_another_scale_and_place(tmp_path, default, width, position, margin):
    prof = write_profile(tmp_path / "other.toml", watermark={"width": width, "position": position, "margin": margin})
    out, shoot = tmp_path / "out", tmp_path / "shoot"
    copy_samples(shoot / "A1001", "A1001")
    assert run_cli("build", shoot, "-o", out, "-p", prof, "-j", "1").exit_code == 0
    v = validate(out, default)       # judged by the default profile: 0.22, bottom-right
    marks = [f.watermark for it in v.items for f in it.files]
    assert marks and not [f for f in v.findings if f.rule == "watermark.missing"], [m.score for m in marks]
    want = round(710 * width)
    assert all(abs(m.width - want) <= 0.06 * want for m in marks), [(m.width, want) for m in marks]


# --- state: freshness and calibration -----------------------------------------------------

def test_overdue_item_still_failing_and_recorded_delta_e(built, tmp_path, default):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    (out / "detail" / "A1002" / "A1002-05.jpg").unlink()           # A1002 now has 4
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    week = time.time() - 7 * 86400
    db.execute("UPDATE sources SET first_seen = ?", (week,))
    db.execute("UPDATE sources SET calibration = 'chart-1', delta_e = 5.5 WHERE item = 'A1003' AND idx = 2")
    db.commit()
    db.close()
    v = validate(out, default)
    data = as_dict(v)
    found = {(f["rule"], f.get("item")) for f in data["findings"]}
    assert ("count.min", "A1002") in found and ("freshness.overdue", "A1002") in found
    assert ("freshness.overdue", "A1001") not in found               # old but passing
    assert ("colour.delta_e", "A1003") in found
    assert {i["item"]: i["status"] for i in data["items"]} == {"A1001": "pass", "A1002": "fail", "A1003": "fail"}


def test_freshness_needs_a_state(built, tmp_path, default):
    files = dict(list(good_item(built).items())[:3])
    v = validate(folder_of(tmp_path, files), default)
    assert not [f for f in v.findings if f.rule == "freshness.overdue"]


# --- pure rules on values ------------------------------------------------------------------

def test_rules_are_pure_functions_of_facts(default):
    from imgkit.checks.rules import Context, ItemFacts, run
    ctx = Context(default, now=0.0)
    ok = FileFacts("A-01.jpg", "A", 1, ext="jpg", bytes=10, format="JPEG", width=710, height=500,
                   mode="RGB", bits=8, icc="sRGB", icc_space="RGB")
    assert run([ItemFacts("A", tuple(ok.__class__(**{**vars(ok), "index": i, "path": f"A-0{i}.jpg"})
                                    for i in range(1, 6)))], ctx) == []
    bad = FileFacts("A-01.jpg", "A", 1, ext="jpg", width=711, height=50, mode="CMYK", bits=16,
                    icc="Adobe RGB (1998)", icc_space="RGB", gps=True, bytes=4_000_000, format="PNG")
    rules = {f.rule for f in run([ItemFacts("A", (bad,))], ctx)}
    assert rules == {"size.width", "size.height", "colour.cmyk", "colour.icc", "colour.depth",
                     "file.gps", "file.size", "file.format", "count.min"}
