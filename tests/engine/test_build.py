"""`imgkit build` end to end on the real sample shoot."""

import hashlib
import io
import json
import shutil
import sqlite3

import numpy as np
from PIL import Image

from imgkit import profile as profiles
from imgkit.detail import pipeline as detail
from tests.conftest import DATA, tree_hashes, write_profile

ITEMS = {"A1001": 6, "A1002": 5, "A1003": 6}


def build(cli, shoot, out, *extra):
    return cli("build", shoot, "-o", out, "-j", "1", *extra)


def test_sample_shoot_becomes_named_710px_images(cli, shoot, tmp_path):
    before = tree_hashes(shoot)
    out = tmp_path / "out"
    result = build(cli, shoot, out)
    assert result.exit_code == 0, result.output
    assert "17 processed, 0 up to date, 0 duplicate, 1 skipped, 0 rejected" in result.stdout
    assert "skipped: " in result.stdout and "notes.txt: not an image (.txt)" in result.stdout
    for item, n in ITEMS.items():
        names = sorted(p.name for p in (out / "detail" / item).iterdir())
        assert names == [f"{item}-{i:02d}.jpg" for i in range(1, n + 1)]
        for path in (out / "detail" / item).iterdir():
            im = Image.open(path)
            assert im.format == "JPEG" and im.mode == "RGB" and im.width == 710
    assert tree_hashes(shoot) == before, "sources must never change"


def test_aspect_kept_and_capture_order_and_orientation(cli, shoot, tmp_path):
    out = tmp_path / "out"
    build(cli, shoot, out)
    # IMG_0419 is stored on its side with orientation 6 and was shot third
    im = Image.open(out / "detail" / "A1001" / "A1001-03.jpg")
    assert im.size == (710, 473)  # 2400x1600 as displayed
    src = Image.open(shoot / "A1002" / "shoe-3.jpg")
    assert Image.open(out / "detail" / "A1002" / "A1002-03.jpg").height == round(src.height * 710 / src.width)


def test_raw_originals_are_byte_identical(cli, shoot, tmp_path):
    out = tmp_path / "out"
    build(cli, shoot, out)
    report = json.loads((out / "report.json").read_text())
    processed = [f for f in report["files"] if f["status"] == "processed"]
    assert len(processed) == 17
    for f in processed:
        raw = out / f["outputs"]["raw"]
        assert raw.name.startswith(f"{f['item']}-{f['index']:02d}.")
        assert raw.read_bytes() == open(f["source"], "rb").read()
    assert (out / "raw" / "A1001" / "A1001-01.jpg").exists()  # .JPG -> .jpg


def test_watermark_sits_bottom_right(cli, shoot, tmp_path):
    out = tmp_path / "out"
    build(cli, shoot, out)
    plain_profile = tmp_path / "plain.toml"
    plain_profile.write_text("[watermark]\nenabled = false\n")  # no watermark
    plain = detail.run(profiles.load(str(plain_profile)), (shoot / "A1002" / "shoe-2.jpg").read_bytes())
    a = np.asarray(Image.open(out / "detail" / "A1002" / "A1002-02.jpg"), np.float32)
    b = np.asarray(Image.open(io.BytesIO(plain.outputs["detail"])), np.float32)
    h, w = a.shape[:2]
    corner = np.abs(a - b)[int(h * 0.75):, int(w * 0.7):].mean()
    rest = np.abs(a - b)[: int(h * 0.6), : int(w * 0.6)].mean()
    assert corner > 5 * max(rest, 0.5), (corner, rest)
    assert rest < 1.0


def test_rerun_does_no_work(cli, shoot, tmp_path):
    out = tmp_path / "out"
    build(cli, shoot, out)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.jpg")}
    result = build(cli, shoot, out)
    assert result.exit_code == 0
    assert "0 processed, 17 up to date, 0 duplicate, 1 skipped, 0 rejected" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.jpg")} == stamps


def test_new_photo_takes_next_free_index_and_nothing_renumbers(cli, shoot, tmp_path):
    out = tmp_path / "out"
    build(cli, shoot, out)
    first = (out / "detail" / "A1002" / "A1002-01.jpg").read_bytes()
    # a new photo whose name sorts first still goes to the end
    Image.open(DATA / "sharp__Landscape_1.jpg").resize((1200, 900)).save(shoot / "A1002" / "aaa-new.jpg", quality=90)
    result = build(cli, shoot, out)
    assert "1 processed, 17 up to date" in result.stdout
    assert (out / "detail" / "A1002" / "A1002-06.jpg").exists()
    assert (out / "detail" / "A1002" / "A1002-01.jpg").read_bytes() == first


def test_same_bytes_under_two_names_processed_once(cli, shoot, tmp_path):
    out = tmp_path / "out"
    shutil.copy(shoot / "A1002" / "shoe-4.jpg", shoot / "A1002" / "shoe-4 copy.jpg")
    result = build(cli, shoot, out, "--json")
    assert result.exit_code == 0
    assert "17 processed, 0 up to date, 1 duplicate" in result.stderr
    report = json.loads(result.stdout)
    dup = [f for f in report["files"] if f["status"] == "duplicate"]
    assert len(dup) == 1 and dup[0]["duplicate_of"].endswith("shoe-4.jpg")
    assert len(list((out / "detail" / "A1002").iterdir())) == 5
    # and a copy added later is a duplicate too
    shutil.copy(shoot / "A1001" / "IMG_0420.JPG", shoot / "A1001" / "again.jpg")
    result = build(cli, shoot, out)
    assert "0 processed, 17 up to date, 2 duplicate" in result.stdout


def test_changed_profile_rerenders_under_the_same_names(cli, shoot, tmp_path):
    out = tmp_path / "out"
    build(cli, shoot, out)
    names = sorted(p.relative_to(out) for p in out.rglob("*.jpg"))
    before = (out / "detail" / "A1003" / "A1003-01.jpg").read_bytes()
    other = write_profile(tmp_path / "tl.toml", watermark={"position": "top-left"})
    result = build(cli, shoot, out, "-p", other)
    assert "17 processed, 0 up to date" in result.stdout
    assert sorted(p.relative_to(out) for p in out.rglob("*.jpg")) == names
    assert (out / "detail" / "A1003" / "A1003-01.jpg").read_bytes() != before


def test_deleted_output_is_made_again(cli, shoot, tmp_path):
    out = tmp_path / "out"
    build(cli, shoot, out)
    (out / "detail" / "A1001" / "A1001-04.jpg").unlink()
    result = build(cli, shoot, out)
    assert "1 processed, 16 up to date" in result.stdout
    assert (out / "detail" / "A1001" / "A1001-04.jpg").exists()


def test_state_records_sources_and_outputs(cli, shoot, tmp_path):
    out = tmp_path / "out"
    build(cli, shoot, out)
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    rows = db.execute("SELECT sha256, item, idx, status, path FROM sources").fetchall()
    assert len(rows) == 17 and {r[3] for r in rows} == {"done"}
    for sha, *_, path in rows:
        assert hashlib.sha256(open(path, "rb").read()).hexdigest() == sha
    assert db.execute("SELECT count(*) FROM outputs WHERE kind='detail'").fetchone()[0] == 17


def test_bad_inputs_are_rejected_one_line_each_and_the_rest_done(cli, shoot, tmp_path):
    (shoot / "A1002" / "broken.jpg").write_bytes((shoot / "A1002" / "shoe-1.jpg").read_bytes()[:5000])
    (shoot / "A1002" / "empty.jpg").write_bytes(b"")
    (shoot / "IMG_0001.jpg").write_bytes((shoot / "A1002" / "shoe-2.jpg").read_bytes())
    (shoot / "COM1").mkdir()   # an item number, and a Windows device name
    shutil.copy(shoot / "A1002" / "shoe-5.jpg", shoot / "COM1" / "x.jpg")
    Image.open(DATA / "sharp__Landscape_1.jpg").save(shoot / "A1002" / "small.jpg")
    for junk in (".DS_Store", "Thumbs.db", "A1002/._shoe-1.jpg", "A1002/big.jpg.part", "A1002/~$x.jpg"):
        (shoot / junk).write_bytes(b"junk")
    out = tmp_path / "out"
    result = build(cli, shoot, out)
    assert result.exit_code == 1
    rejected = [line for line in result.stdout.splitlines() if line.startswith("rejected: ")]
    assert len(rejected) == 5, rejected
    text = "\n".join(rejected)
    assert "broken.jpg: truncated or corrupt image data" in text
    assert "empty.jpg: empty file" in text
    assert "IMG_0001.jpg: no item number" in text
    assert "COM1/x.jpg: item number 'COM1' is a reserved device name" in text
    assert "small.jpg: narrower than 710 px" in text
    assert "junk" not in result.output and ".part" not in result.output and "DS_Store" not in result.output
    assert len(list((out / "detail" / "A1002").iterdir())) == 5
    # a re-run reports them again (from the state) and still exits 1
    again = build(cli, shoot, out)
    assert again.exit_code == 1 and "0 processed, 17 up to date, 0 duplicate, 1 skipped, 5 rejected" in again.stdout


def test_upscale_profile_takes_narrow_sources(cli, shoot, tmp_path):
    Image.open(DATA / "sharp__Landscape_1.jpg").save(shoot / "A1002" / "small.jpg")
    out = tmp_path / "out"
    build(cli, shoot, out)
    up = write_profile(tmp_path / "up.toml", detail={"allow_upscale": True})
    result = build(cli, shoot, out, "-p", up)
    assert result.exit_code == 0, result.stderr
    assert Image.open(out / "detail" / "A1002" / "A1002-06.jpg").size == (710, 532)


def test_json_lists_every_output_and_rejection(cli, shoot, tmp_path):
    (shoot / "A1002" / "empty.jpg").write_bytes(b"")
    result = build(cli, shoot, tmp_path / "out", "--json")
    report = json.loads(result.stdout)
    assert report["summary"]["processed"] == 17 and report["summary"]["rejected"] == 1
    assert report["summary"]["ok"] is False
    bad = [f for f in report["files"] if f["status"] == "rejected"]
    assert bad[0]["source"].endswith("empty.jpg") and "empty file" in bad[0]["reason"]
    assert json.loads((tmp_path / "out" / "report.json").read_text())["files"] == report["files"]


def test_default_out_is_beside_src_never_inside(cli, shoot):
    result = cli("build", shoot, "-j", "1")
    assert result.exit_code == 0
    assert (shoot.parent / "shoot-out" / "detail" / "A1001" / "A1001-01.jpg").exists()
    assert not any(p.name.endswith("-out") for p in shoot.iterdir())


def test_two_workers_give_the_same_names(cli, shoot, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    build(cli, shoot, a)
    result = cli("build", shoot, "-o", b, "-j", "2")
    assert result.exit_code == 0

    def names(o):
        return sorted(p.relative_to(o).as_posix() for p in o.rglob("*") if p.suffix in (".jpg", ".JPG"))

    assert names(a) == names(b)


def test_master_and_backup(cli, shoot, tmp_path):
    prof = write_profile(tmp_path / "m.toml", master={"enabled": True}, backup={"dir": str(tmp_path / "bk")})
    out = tmp_path / "out"
    result = build(cli, shoot, out, "-p", prof)
    assert result.exit_code == 0, result.stderr
    master = Image.open(out / "master" / "A1001" / "A1001-03.png")
    assert master.size == (2400, 1600) and master.mode == "RGB"  # full size, upright
    for raw in (out / "raw").rglob("*.*"):
        mirror = tmp_path / "bk" / raw.relative_to(out / "raw")
        assert mirror.read_bytes() == raw.read_bytes()
    shutil.rmtree(tmp_path / "bk" / "A1002")
    result = build(cli, shoot, out, "-p", prof)
    assert "5 processed, 12 up to date" in result.stdout
    assert len(list((tmp_path / "bk" / "A1002").iterdir())) == 5


def test_second_build_on_same_out_exits_2(cli, shoot, tmp_path):
    from imgkit.store.lock import locked
    out = tmp_path / "out"
    with locked(out / ".imgkit" / "lock"):
        result = build(cli, shoot, out)
    assert result.exit_code == 2 and "another imgkit" in result.stderr


def test_missing_src_is_a_usage_error(cli, tmp_path):
    result = cli("build", tmp_path / "nope")
    assert result.exit_code == 2


def test_outputs_are_readable_by_others(cli, shoot, tmp_path):
    """Atomic writes go through mkstemp (mode 0600); outputs get the usual umask mode."""
    import os
    out = tmp_path / "out"
    build(cli, shoot, out)
    mask = os.umask(0)
    os.umask(mask)
    for path in [out / "detail" / "A1001" / "A1001-01.jpg", out / "raw" / "A1001" / "A1001-01.jpg",
                 out / "report.json"]:
        assert path.stat().st_mode & 0o777 == 0o666 & ~mask, path
