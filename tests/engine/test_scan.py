"""scan(): which files under SRC belong to which item, which are ignored, which are refused."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from imgkit import profile as profiles
from imgkit.engine.scan import Candidate, Refusal, classify, order, scan
from tests.conftest import SAMPLES, write_profile


@pytest.fixture(scope="module")
def default():
    return profiles.load()


def jpeg(path: Path, shade: int = 0) -> Path:
    """A small real JPEG (scan only stats files, it never decodes them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (24, 16), (shade % 256, 90, 200)).save(path, "JPEG", quality=90)
    return path


def rels(found: list[Candidate]) -> list[str]:
    return [c.rel for c in found]


def by_path(refused: list[Refusal]) -> dict[str, Refusal]:
    return {r.path.name: r for r in refused}


def test_a_folder_names_its_item_in_natural_order_with_size_and_mtime(tmp_path, default):
    src = tmp_path / "src"
    for n, name in enumerate(["IMG_10.jpg", "IMG_2.JPG", "img_1.jpeg"]):
        jpeg(src / "A1001" / name, n * 40)
    (src / "A1002").mkdir()
    shutil.copy(SAMPLES / "A1002" / "shoe-1.jpg", src / "A1002" / "shoe-1.jpg")
    found, refused = scan(src, default)
    assert refused == []
    assert rels(found) == ["A1001/img_1.jpeg", "A1001/IMG_2.JPG", "A1001/IMG_10.jpg", "A1002/shoe-1.jpg"]
    assert [c.item for c in found] == ["A1001", "A1001", "A1001", "A1002"]
    assert all(c.role == "photo" for c in found)
    shoe = found[-1]
    st = (src / "A1002" / "shoe-1.jpg").stat()
    assert shoe.path == src / "A1002" / "shoe-1.jpg" and shoe.path.is_absolute()
    assert (shoe.size, shoe.mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert shoe.size == (SAMPLES / "A1002" / "shoe-1.jpg").stat().st_size


def test_a_file_directly_in_src_names_its_item_at_the_start_of_its_name(tmp_path, default):
    src = tmp_path / "src"
    for name in ["A1003_front.jpg", "A1003 03.jpg", "B7x_side.png", "IMG_0001.jpg", "_x.jpg"]:
        jpeg(src / name)
    found, refused = scan(src, default)
    assert [(c.rel, c.item) for c in found] == [("A1003 03.jpg", "A1003"), ("A1003_front.jpg", "A1003"),
                                                ("B7x_side.png", "B7x")]
    bad = by_path(refused)
    assert set(bad) == {"IMG_0001.jpg", "_x.jpg"}
    assert all(r.status == "rejected" and r.reason.startswith("no item number at the start of the name")
               for r in bad.values())


def test_item_pattern_from_the_profile_decides_the_item_of_a_loose_file(tmp_path):
    prof = profiles.load(str(write_profile(tmp_path / "p.toml", naming={"item_pattern": r"^SKU-(?P<item>\d+)"})))
    src = tmp_path / "src"
    jpeg(src / "SKU-778_a.jpg")
    jpeg(src / "A1003_front.jpg")
    jpeg(src / "A1003" / "front.jpg")   # a folder names its item only when the pattern takes its whole name
    jpeg(src / "SKU-12" / "front.jpg")
    found, refused = scan(src, prof)
    assert [(c.rel, c.item) for c in found] == [("SKU-12/front.jpg", "12"), ("SKU-778_a.jpg", "778")]
    assert sorted(r.path.relative_to(src).as_posix() for r in refused) == ["A1003/front.jpg", "A1003_front.jpg"]
    assert all(r.status == "rejected" and "no item number" in r.reason for r in refused)


def test_items_sort_naturally_and_loose_files_join_their_folder_item(tmp_path, default):
    src = tmp_path / "src"
    jpeg(src / "A10" / "x.jpg")
    jpeg(src / "A2" / "z.jpg")
    jpeg(src / "A2_b.jpg")
    jpeg(src / "a9" / "y.jpg")
    found, _ = scan(src, default)
    assert [(c.item, c.rel) for c in found] == [("A2", "A2/z.jpg"), ("A2", "A2_b.jpg"), ("a9", "a9/y.jpg"),
                                               ("A10", "A10/x.jpg")]
    # order() is what scan sorts by: the same list shuffled comes back the same
    assert order(list(reversed(found))) == found


def test_hidden_partial_and_os_litter_are_ignored_without_a_word(tmp_path, default):
    src = tmp_path / "src"
    keep = jpeg(src / "A1" / "keep.jpg")
    for junk in [".DS_Store", "Thumbs.db", "desktop.ini", "A1/._keep.jpg", "A1/.hidden.jpg", "A1/big.jpg.part",
                 "A1/dl.jpg.crdownload", "A1/x.JPG.TMP", "A1/~$keep.jpg", ".git/A1.jpg", "A1/.cache/deep.jpg",
                 "A1/~$lock/inner.jpg"]:
        jpeg(src / junk)
    found, refused = scan(src, default)
    assert [c.path for c in found] == [keep]
    assert refused == []


def test_files_that_are_not_images_are_skipped_and_camera_raw_is_rejected(tmp_path, default):
    src = tmp_path / "src"
    jpeg(src / "A1" / "ok.jpg")
    shutil.copy(SAMPLES / "notes.txt", src / "notes.txt")
    (src / "A1" / "README").write_text("no extension")
    (src / "A1" / "IMG_1.CR2").write_bytes(b"II*\x00raw")
    (src / "A1" / "IMG_2.nef").write_bytes(b"MM\x00*raw")
    found, refused = scan(src, default)
    assert rels(found) == ["A1/ok.jpg"]
    bad = by_path(refused)
    assert (bad["notes.txt"].status, bad["notes.txt"].reason) == ("skipped", "not an image (.txt)")
    assert (bad["README"].status, bad["README"].reason) == ("skipped", "not an image (no extension)")
    for raw in ("IMG_1.CR2", "IMG_2.nef"):
        assert (bad[raw].status, bad[raw].reason) == ("rejected", "camera RAW file: export it as JPEG or TIFF first")
    assert len(refused) == 4


def test_the_sheet_and_the_output_folder_inside_src_are_not_scanned(tmp_path, default):
    src = tmp_path / "src"
    jpeg(src / "A1" / "a.jpg")
    (src / "items.csv").write_text("item,name\nA1,shirt\n", encoding="utf-8")
    jpeg(src / "out" / "detail" / "A1" / "A1-01.jpg")
    found, refused = scan(src, default, skip=src / "out", sheet=src / "items.csv")
    assert rels(found) == ["A1/a.jpg"] and refused == []
    # without them the same tree reads quite differently
    found, refused = scan(src, default)
    assert rels(found) == ["A1/a.jpg", "out/detail/A1/A1-01.jpg"] and [c.item for c in found] == ["A1", "A1"]
    assert [(r.path.name, r.status) for r in refused] == [("items.csv", "skipped")]


def test_chart_photos_get_role_chart_and_the_scope_they_calibrate(tmp_path, default):
    src = tmp_path / "src"
    jpeg(src / "A1002" / "shoe.jpg")
    jpeg(src / "A1002" / "ColorChecker_1.JPG")      # pattern, any case: the item it lies in
    jpeg(src / "A1002" / "sub" / "my-chart.jpg")    # deeper in the item folder: still that item
    jpeg(src / "_calibration" / "IMG_9000.jpg")     # the calibration folder: the session
    jpeg(src / "_calibration" / "day2" / "IMG_9001.jpg")
    jpeg(src / "chart.jpg")                         # directly in SRC: the session, no item number needed
    jpeg(src / "色卡.png")
    found, refused = scan(src, default)
    assert refused == []
    roles = {c.rel: (c.role, c.item) for c in found}
    assert roles == {
        "A1002/shoe.jpg": ("photo", "A1002"),
        "A1002/ColorChecker_1.JPG": ("chart", "A1002"),
        "A1002/sub/my-chart.jpg": ("chart", "A1002"),
        "_calibration/IMG_9000.jpg": ("chart", ""),
        "_calibration/day2/IMG_9001.jpg": ("chart", ""),
        "chart.jpg": ("chart", ""),
        "色卡.png": ("chart", ""),
    }
    # session charts sort first (item ""), then the item's files in natural order
    assert rels(found)[:4] == ["_calibration/day2/IMG_9001.jpg", "_calibration/IMG_9000.jpg", "chart.jpg", "色卡.png"]
    st = (src / "chart.jpg").stat()
    chart = next(c for c in found if c.rel == "chart.jpg")
    assert (chart.size, chart.mtime_ns) == (st.st_size, st.st_mtime_ns)


def test_chart_patterns_and_folder_come_from_the_profile(tmp_path):
    # every folder name is an item number here, so "_calibration" can be an ordinary item
    prof = profiles.load(str(write_profile(tmp_path / "p.toml", colour={
        "chart_patterns": ["*_cc.*"], "calibration_folder": "charts"}, naming={"item_pattern": "^(?P<item>.+)$"})))
    src = tmp_path / "src"
    jpeg(src / "A1" / "front_cc.jpg")
    jpeg(src / "A1" / "colorchecker.jpg")    # not a chart under these rules
    jpeg(src / "charts" / "IMG_1.jpg")
    jpeg(src / "_calibration" / "IMG_2.jpg")  # an ordinary item folder now
    found, refused = scan(src, prof)
    assert refused == []
    assert {c.rel: (c.role, c.item) for c in found} == {
        "A1/front_cc.jpg": ("chart", "A1"), "A1/colorchecker.jpg": ("photo", "A1"),
        "charts/IMG_1.jpg": ("chart", ""), "_calibration/IMG_2.jpg": ("photo", "_calibration")}


def test_unsafe_item_names_are_refused_with_the_reason(tmp_path):
    # every folder name is an item number here (the default pattern makes "CON" a mere container)
    prof = profiles.load(str(write_profile(tmp_path / "p.toml", naming={"max_item_length": 6,
                                                                        "item_pattern": "^(?P<item>.+)$"})))
    src = tmp_path / "src"
    jpeg(src / "CON" / "x.jpg")
    jpeg(src / "-A1" / "x.jpg")
    jpeg(src / "A100200300" / "x.jpg")
    jpeg(src / "A1 " / "x.jpg")
    jpeg(src / "LPT1" / "colorchecker.jpg")   # a chart's item is checked too
    jpeg(src / "A7" / "fine.jpg")
    found, refused = scan(src, prof)
    assert rels(found) == ["A7/fine.jpg"]
    reasons = {r.path.parent.name: (r.status, r.reason) for r in refused}
    assert reasons == {
        "CON": ("rejected", "item number 'CON' is a reserved device name on Windows"),
        "-A1": ("rejected", "item number '-A1' starts with '-' and would read as an option"),
        "A100200300": ("rejected", "item number 'A100200300'… is longer than 6 characters"),
        "A1 ": ("rejected", "item number 'A1 ' starts or ends with a space or ends with a dot"),
        "LPT1": ("rejected", "item number 'LPT1' is a reserved device name on Windows"),
    }


def test_a_name_that_is_not_utf8_is_refused(tmp_path, default):
    src = tmp_path / "src"
    jpeg(src / "A1" / "ok.jpg")
    bad = Path(os.fsdecode(bytes(src / "A1") + b"/caf\xe9.jpg"))
    jpeg(bad)
    found, refused = scan(src, default)
    assert rels(found) == ["A1/ok.jpg"]
    assert len(refused) == 1 and refused[0].path == bad and refused[0].status == "rejected"
    assert refused[0].reason == "file name is not valid UTF-8 ('A1/caf\\\\xe9.jpg'); rename it"


def test_symbolic_links_are_refused_and_never_followed(tmp_path, default):
    src = tmp_path / "src"
    elsewhere = tmp_path / "elsewhere"
    target = jpeg(elsewhere / "A5" / "real.jpg")
    jpeg(src / "A1" / "a.jpg")
    (src / "A1" / "link.jpg").symlink_to(target)
    (src / "A5").symlink_to(elsewhere / "A5", target_is_directory=True)
    found, refused = scan(src, default)
    assert rels(found) == ["A1/a.jpg"]
    assert sorted((r.path, r.status) for r in refused) == [(src / "A1" / "link.jpg", "rejected"),
                                                            (src / "A5", "rejected")]
    assert all(r.reason.startswith("symbolic link: not followed") for r in refused)


def test_classify_one_file(tmp_path, default):
    src = tmp_path / "src"
    photo = jpeg(src / "A1" / "IMG_1.jpg")
    got = classify(src, photo, default)
    assert got == Candidate(photo, "A1/IMG_1.jpg", "A1", photo.stat().st_size, photo.stat().st_mtime_ns)
    assert classify(src, jpeg(src / "A1" / ".hidden.jpg"), default) is None
    fifo = src / "A1" / "pipe.jpg"
    os.mkfifo(fifo)
    assert classify(src, fifo, default) == Refusal(fifo, "not a regular file")
    gone = src / "A1" / "gone.jpg"
    assert classify(src, gone, default) == Refusal(gone, "cannot read: No such file or directory")


def test_a_clean_plate_is_skipped_with_its_reason_never_published(tmp_path, default):
    """A photo of the empty backdrop (in ``_background/`` or named like one) serves the export's
    cut-outs; the build must not number it as a product photo."""
    src = tmp_path / "src"
    jpeg(src / "A1001" / "IMG_1.jpg")
    jpeg(src / "A1001" / "_background" / "plate.jpg")
    jpeg(src / "A1001" / "A1001 Background.JPG")
    jpeg(src / "A1002_空背景.jpg")
    jpeg(src / "A1002_front.jpg")
    found, refused = scan(src, default)
    assert rels(found) == ["A1001/IMG_1.jpg", "A1002_front.jpg"]
    plates = by_path(refused)
    assert set(plates) == {"plate.jpg", "A1001 Background.JPG", "A1002_空背景.jpg"}
    assert all(r.status == "skipped" and "clean plate" in r.reason for r in plates.values())


def test_a_fifo_named_like_a_chart_is_refused_not_hashed(tmp_path, default):
    """Chart photos are hashed in the scan's process: a named pipe would block that read forever."""
    src = tmp_path / "src"
    jpeg(src / "A1" / "IMG_1.jpg")
    fifo = src / "A1" / "colorchecker.jpg"
    os.mkfifo(fifo)
    assert classify(src, fifo, default) == Refusal(fifo, "not a regular file")
    found, refused = scan(src, default)
    assert rels(found) == ["A1/IMG_1.jpg"] and by_path(refused)["colorchecker.jpg"].reason == "not a regular file"
