"""`imgkit mark`: sold-out labels that keep file names, with history, undo, and builds that keep them."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from PIL import Image

from imgkit import profile as profiles
from imgkit.detail.drawing import label_box
from tests.conftest import copy_samples, tree_hashes, write_profile
from tests.detail.test_product_sheet import ROW, write_sheet

RED = np.array([0xC6, 0x28, 0x28])


@pytest.fixture
def built(cli, tmp_path):
    """A1001 with a sheet row (facts + captions), A1002 without: built once."""
    src = tmp_path / "shoot"
    for item in ("A1001", "A1002"):
        copy_samples(src / item, item)
    write_sheet(src / "items.csv", [ROW.format(points="眼窝|牙齿|侧面")])
    out = tmp_path / "out"
    result = cli("build", src, "-o", out, "-j", "2")
    assert result.exit_code == 0, result.output
    return src, out


def pixels(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def test_mark_changes_pixels_only_in_the_label_and_keeps_names(cli, built):
    _src, out = built
    before = tree_hashes(out / "detail")
    old = {i: pixels(out / f"detail/A1002/A1002-0{i}.jpg") for i in (3, 4)}
    result = cli("mark", out, "A1002", "--sold-out", "红色", "--indices", "3,4")
    assert result.exit_code == 0, result.output
    after = tree_hashes(out / "detail")
    assert set(after) == set(before), "no file added, removed or renamed"
    assert {k for k in after if after[k] != before[k]} == {"A1002/A1002-03.jpg", "A1002/A1002-04.jpg"}
    assert not [p for p in (out / "detail/A1002").iterdir() if p.name.startswith(".")], "no temp file left"
    prof = profiles.load()
    for i in (3, 4):
        new = pixels(out / f"detail/A1002/A1002-0{i}.jpg")
        assert new.shape == old[i].shape
        top, bottom = label_box(("红色 已售罄",), prof, new.shape[1], new.shape[0])
        changed_rows = np.nonzero((np.abs(new - old[i]).max(axis=2) > 2).any(axis=1))[0]
        # JPEG blocks (16 px with 4:2:0) next to the strip may shift by a level or two
        assert changed_rows.min() >= top - 16 and changed_rows.max() < bottom + 16
        strip = new[top + 2:bottom - 2, :40].reshape(-1, 3)
        assert np.abs(strip.mean(axis=0) - RED).max() < 40, "a red strip"
        assert (np.abs(new[top:bottom] - old[i][top:bottom]).max(axis=2) > 40).mean() > 0.5


def test_marking_twice_is_marking_once_and_labels_never_stack(cli, built):
    _src, out = built
    assert cli("mark", out, "A1001", "--sold-out", "红色").exit_code == 0
    once = tree_hashes(out / "detail")
    history = sorted((out / ".imgkit/history/ops").iterdir())
    again = cli("mark", out, "A1001", "--sold-out", "红色")
    assert again.exit_code == 0 and "already marked" in again.stderr
    assert tree_hashes(out / "detail") == once
    assert sorted((out / ".imgkit/history/ops").iterdir()) == history, "no new history for no change"
    # a second label is rendered from the raw original, beside the first, not over an old render
    assert cli("mark", out, "A1001", "--sold-out", "XL", "--label", "缺货", "--indices", "2").exit_code == 0
    db = sqlite3.connect(out / ".imgkit/state.sqlite")
    assert [r[0] for r in db.execute("SELECT label FROM marks WHERE item='A1001' AND idx=2 ORDER BY made")] == \
        ["红色 已售罄", "XL 缺货"]


def test_undo_restores_the_exact_previous_bytes(cli, built):
    src, out = built
    before = tree_hashes(out / "detail")
    assert cli("mark", out, "A1001", "--sold-out", "红色", "--indices", "1,2").exit_code == 0
    marked = tree_hashes(out / "detail")
    assert cli("mark", out, "A1001", "--sold-out", "蓝色", "--indices", "2").exit_code == 0
    assert cli("mark", "--undo", out, "A1001").exit_code == 0
    assert tree_hashes(out / "detail") == marked, "undo takes back the last mark only"
    assert cli("mark", "--undo", out, "A1001").exit_code == 0
    assert tree_hashes(out / "detail") == before
    result = cli("build", src, "-o", out, "-j", "2")
    assert "0 processed, 11 up to date" in result.stdout, "the state knows the images are plain again"
    nothing = cli("mark", "--undo", out, "A1001")
    assert nothing.exit_code == 2 and "nothing to undo" in nothing.stderr


def test_a_later_build_keeps_the_mark(cli, built):
    src, out = built
    assert cli("mark", out, "A1001", "--sold-out", "红色", "--indices", "3").exit_code == 0
    marked = tree_hashes(out / "detail")
    result = cli("build", src, "-o", out, "-j", "2")
    assert "0 processed, 11 up to date" in result.stdout
    assert tree_hashes(out / "detail") == marked
    # the sheet changes that image's caption: it is rendered again, label included
    write_sheet(src / "items.csv", [ROW.format(points="眼窝|牙齿细节|侧面")])
    result = cli("build", src, "-o", out, "-j", "2")
    assert "1 processed" in result.stdout
    assert red_rows(pixels(out / "detail/A1001/A1001-03.jpg")) > 40, "the label is still there"
    assert red_rows(pixels(out / "detail/A1001/A1001-04.jpg")) == 0


def red_rows(img) -> int:
    """Rows whose left edge is the label's red: the strip spans the full width."""
    return int((np.abs(img[:, :40].mean(axis=1) - RED).max(axis=1) < 40).sum())


@pytest.mark.parametrize("args, needle", [
    (("A9999", "--sold-out", "红色"), "no published images of item 'A9999'"),
    (("A1001", "--sold-out", "红色", "--indices", "9"), "has no image with index 9"),
    (("A1001", "--sold-out", "红色", "--indices", "x"), "--indices 'x'"),
    (("A1001",), "give --sold-out TEXT"),
])
def test_bad_marks_exit_2_and_change_nothing(cli, built, args, needle):
    _src, out = built
    before = tree_hashes(out)
    result = cli("mark", out, *args)
    assert result.exit_code == 2 and needle in result.stderr
    assert tree_hashes(out) == before


def test_mark_refuses_a_tree_built_with_another_profile_and_a_missing_out(cli, built, tmp_path):
    _src, out = built
    other = write_profile(tmp_path / "other.toml", detail={"quality": 70})
    result = cli("mark", out, "A1001", "--sold-out", "红色", "-p", other)
    assert result.exit_code == 2 and "another profile" in result.stderr
    missing = tmp_path / "nowhere"
    result = cli("mark", missing, "A1001", "--sold-out", "红色")
    assert result.exit_code == 2 and "not an imgkit output folder" in result.stderr
    assert not missing.exists()
