"""A shoot that changes: order, replace in place, sharing, moves, gone, prune, renumber, undo,
items found in nested folders, OUT and SRC apart. End to end through the CLI, real JPEGs and
a real state."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

from PIL import Image

from tests.conftest import SAMPLES, photo_set, tree_hashes, write_profile


def build(cli, src: Path, out: Path, *extra):
    return cli("build", src, "-o", out, "-j", "1", *extra)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def history_files(out: Path) -> dict[str, int]:
    """Content hash -> how many copies the history holds."""
    found: dict[str, int] = {}
    for p in (out / ".imgkit" / "history").rglob("*"):
        if p.is_file() and p.name != "manifest.json":
            found[digest(p)] = found.get(digest(p), 0) + 1
    return found


def reshoot(path: Path, n: int) -> None:
    """New bytes at ``path``: another crop of a sample photo, as a re-shot picture."""
    with Image.open(SAMPLES / "A1002" / "shoe-3.jpg") as im:
        im.convert("RGB").crop((40 * n, 20 * n, im.width - 10, im.height - 5)).save(path, quality=90)


def test_a_removed_photo_is_reported_gone_kept_then_pruned_and_undo_puts_it_back(cli, tmp_path):
    src, out = tmp_path / "mv", tmp_path / "out"
    photos = photo_set(src, 6, item="C1001")
    assert build(cli, src, out).exit_code == 0
    before = {"detail": tree_hashes(out / "detail"), "raw": tree_hashes(out / "raw")}
    removed = photos[4].read_bytes()
    photos[4].unlink()

    kept = build(cli, src, out)
    assert kept.exit_code == 0
    assert f"gone: C1001-05 (source {photos[4]})" in kept.stdout
    assert "1 gone (kept; --prune retires them)" in kept.stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["gone"] == [{"item": "C1001", "index": 5, "output": "detail/C1001/C1001-05.jpg",
                               "source": str(photos[4]), "retired": False}]
    assert tree_hashes(out / "detail") == before["detail"], "outputs stay by default"

    pruned = build(cli, src, out, "--prune")
    assert pruned.exit_code == 0, pruned.stderr
    assert "renamed: C1001-06 -> C1001-05" in pruned.stdout and "1 retired" in pruned.stdout
    assert names(out / "detail" / "C1001") == [f"C1001-0{i}.jpg" for i in range(1, 6)]
    # renamed, not re-encoded: nothing is drawn by index on these images
    assert digest(out / "detail" / "C1001" / "C1001-05.jpg") == before["detail"]["C1001/C1001-06.jpg"]
    assert (out / "raw" / "C1001" / "C1001-05.jpg").read_bytes() == photos[5].read_bytes()
    # every raw copy exists exactly once, in OUT or in history
    held = history_files(out)
    assert held.get(hashlib.sha256(removed).hexdigest()) == 1
    assert not any(digest(p) == hashlib.sha256(removed).hexdigest() for p in (out / "raw").rglob("*.jpg"))
    json_report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert json_report["renamed"] == ["C1001-06 -> C1001-05"] and json_report["gone"][0]["retired"] is True

    again = build(cli, src, out, "--prune")
    assert again.exit_code == 0 and "5 up to date" in again.stdout and "gone" not in again.output

    undone = cli("undo", out, "C1001")
    assert undone.exit_code == 0, undone.stderr
    assert "undid the prune of C1001" in undone.stderr
    assert {"detail": tree_hashes(out / "detail"), "raw": tree_hashes(out / "raw")} == before
    assert cli("undo", out, "C1001").exit_code == 2   # nothing older for this item


def test_a_reshot_photo_replaces_its_slot_under_the_same_names_and_undo_takes_it_back(cli, tmp_path):
    src, out = tmp_path / "shoot", tmp_path / "out"
    photos = photo_set(src, 3, item="B1002")
    assert build(cli, src, out).exit_code == 0
    before = {"detail": tree_hashes(out / "detail"), "raw": tree_hashes(out / "raw")}
    old_raw = photos[0].read_bytes()
    reshoot(photos[0], 1)

    result = build(cli, src, out)
    assert result.exit_code == 0, result.stderr
    assert f"replaced: {photos[0]} -> detail/B1002/B1002-01.jpg" in result.stdout
    assert "1 replaced" in result.stdout
    assert names(out / "detail" / "B1002") == ["B1002-01.jpg", "B1002-02.jpg", "B1002-03.jpg"]
    assert (out / "raw" / "B1002" / "B1002-01.jpg").read_bytes() == photos[0].read_bytes()
    after = tree_hashes(out / "detail")
    assert [k for k in after if after[k] != before["detail"][k]] == ["B1002/B1002-01.jpg"]
    assert history_files(out).get(hashlib.sha256(old_raw).hexdigest()) == 1, "the previous raw is in history"
    assert "up to date" in build(cli, src, out).stdout

    assert cli("undo", out).exit_code == 0
    assert {"detail": tree_hashes(out / "detail"), "raw": tree_hashes(out / "raw")} == before


def test_the_same_photo_in_two_items_is_published_in_both_and_twice_in_one_item_once(cli, tmp_path):
    src, out = tmp_path / "shoot", tmp_path / "out"
    photo_set(src, 2, item="D1001")
    photo_set(src, 2, item="D1002", prefix="X_")
    guide = SAMPLES / "A1002" / "shoe-5.jpg"   # say, a size guide both items show
    shutil.copy(guide, src / "D1001" / "IMG_9_size.jpg")
    shutil.copy(guide, src / "D1002" / "IMG_9_size.jpg")
    shutil.copy(guide, src / "D1001" / "IMG_9_size copy.jpg")
    result = build(cli, src, out)
    assert result.exit_code == 0
    assert names(out / "detail" / "D1001") == ["D1001-01.jpg", "D1001-02.jpg", "D1001-03.jpg"]
    assert names(out / "detail" / "D1002") == ["D1002-01.jpg", "D1002-02.jpg", "D1002-03.jpg"]
    assert (out / "raw" / "D1001" / "D1001-03.jpg").read_bytes() == guide.read_bytes()
    assert (out / "raw" / "D1002" / "D1002-01.jpg").read_bytes() == guide.read_bytes()   # IMG_9 before X_0000
    assert f"duplicate: {src / 'D1001' / 'IMG_9_size copy.jpg'}" in result.stdout


def test_a_photo_moved_to_another_item_is_published_there_and_gone_from_the_first(cli, tmp_path):
    src, out = tmp_path / "mv", tmp_path / "out"
    photo_set(src, 3, item="C1001")
    photo_set(src, 3, item="C1002", prefix="K_")
    assert build(cli, src, out).exit_code == 0
    moved = (src / "C1001" / "IMG_0001.jpg").rename(src / "C1002" / "IMG_0001.jpg")
    result = build(cli, src, out)
    assert result.exit_code == 0, result.stderr
    assert f"processed: {moved} -> detail/C1002/C1002-04.jpg" in result.stdout
    assert f"gone: C1001-02 (source {src / 'C1001' / 'IMG_0001.jpg'})" in result.stdout
    assert (out / "raw" / "C1002" / "C1002-04.jpg").read_bytes() == moved.read_bytes()
    # and a photo renamed within its item keeps its slot
    renamed = (src / "C1002" / "K_0000.jpg").rename(src / "C1002" / "front.jpg")
    again = build(cli, src, out)
    assert "0 processed" in again.stdout and "gone: C1002" not in again.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {f["source"]: f.get("index") for f in report["files"]}[str(renamed)] == 1


def test_files_are_numbered_by_name_by_default_and_by_capture_time_when_asked(cli, tmp_path):
    src = tmp_path / "shoot"
    src.mkdir()
    with Image.open(SAMPLES / "A1001" / "IMG_0417.JPG") as im:
        base = im.convert("RGB")
    for n in range(1, 6):   # the designer numbered them; the camera clock ran backwards
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = f"2026:11:20 10:00:{60 - 10 * n:02d}"
        base.crop((n * 9, n * 4, base.width - n, base.height)).save(src / f"A4001_0{n}.jpg", quality=90, exif=exif)
    out = tmp_path / "by-name"
    assert build(cli, src, out).exit_code == 0
    for n in range(1, 6):
        assert digest(out / "raw" / "A4001" / f"A4001-0{n}.jpg") == digest(src / f"A4001_0{n}.jpg")
    capture = write_profile(tmp_path / "capture.toml", naming={"order": "capture"})
    out2 = tmp_path / "by-capture"
    assert build(cli, src, out2, "-p", capture).exit_code == 0
    for n in range(1, 6):
        assert digest(out2 / "raw" / "A4001" / f"A4001-0{6 - n}.jpg") == digest(src / f"A4001_0{n}.jpg")
    # a new photo takes the next free index; nothing renumbers by itself
    base.save(src / "A4001_00.jpg", quality=80)
    assert build(cli, src, out).exit_code == 0
    assert digest(out / "raw" / "A4001" / "A4001-06.jpg") == digest(src / "A4001_00.jpg")
    assert digest(out / "raw" / "A4001" / "A4001-01.jpg") == digest(src / "A4001_01.jpg")


def test_renumber_by_an_explicit_order_moves_the_facts_panel_and_captions_with_the_position(cli, tmp_path):
    src, out = tmp_path / "shoot", tmp_path / "out"
    photos = photo_set(src, 3, item="E1001")
    (src / "items.csv").write_text("货号,品名,卖点\nE1001,凳子,结实|轻便\n", encoding="utf-8")
    assert build(cli, src, out).exit_code == 0
    before = {"detail": tree_hashes(out / "detail"), "raw": tree_hashes(out / "raw")}
    result = cli("renumber", out, "E1001", "--order", "3,1,2")
    assert result.exit_code == 0, result.stderr
    assert "renamed: E1001-03 -> E1001-01" in result.stdout
    raw = out / "raw" / "E1001"
    assert [digest(raw / f"E1001-0{i}.jpg") for i in (1, 2, 3)] == [digest(photos[i]) for i in (2, 0, 1)]
    with sqlite3.connect(out / ".imgkit" / "state.sqlite") as con:
        decorations = dict(con.execute("SELECT idx, decoration FROM sources WHERE item = 'E1001'"))
    assert "凳子" in decorations[1] and json.loads(decorations[2]) == {"caption": "结实"}
    assert json.loads(decorations[3]) == {"caption": "轻便"}
    # the image now at 01 carries the panel: it is taller than the plain photo it was at 03
    with Image.open(out / "detail" / "E1001" / "E1001-01.jpg") as im:
        assert im.height > Image.open(out / "detail" / "E1001" / "E1001-03.jpg").height
    assert "up to date" in build(cli, src, out).stdout and "processed: " not in build(cli, src, out).output
    assert cli("undo", out, "E1001").exit_code == 0
    assert {"detail": tree_hashes(out / "detail"), "raw": tree_hashes(out / "raw")} == before


def test_items_are_the_nearest_item_folders_and_item_numbers_ignore_case(cli, tmp_path):
    src, out = tmp_path / "nest", tmp_path / "out"
    photo_set(src / "2026-11-20", 2, item="A5001")
    photo_set(src / "2026-11-20", 2, item="A5002", prefix="B_")
    photo_set(src / "shoot-2" / "精修", 1, item="a3001")
    shutil.copy(SAMPLES / "A1002" / "shoe-2.jpg", src / "A3001 主图.jpg")
    result = build(cli, src, out)
    assert result.exit_code == 0, result.stderr
    # one item, spelled as first met in name order, on a case-insensitive share as on this one
    assert names(out / "detail") == ["A3001", "A5001", "A5002"]
    assert names(out / "detail" / "A3001") == ["A3001-01.jpg", "A3001-02.jpg"]
    (src / "stray.jpg").write_bytes((SAMPLES / "A1002" / "shoe-1.jpg").read_bytes())
    refused = build(cli, src, out)
    assert refused.exit_code == 1 and f"rejected: {src / 'stray.jpg'}: no item number" in refused.stdout


def test_out_inside_src_or_src_inside_out_is_refused_and_nothing_written(cli, tmp_path):
    src = tmp_path / "shoot1"
    photo_set(src, 1, item="F1001")
    inside = cli("build", src, "-o", src / "out")
    assert inside.exit_code == 2 and f"{src / 'out'}" in inside.stderr and f"{src}" in inside.stderr
    assert not (src / "out").exists()
    around = cli("build", src, "-o", tmp_path)
    assert around.exit_code == 2 and not (tmp_path / ".imgkit").exists()
