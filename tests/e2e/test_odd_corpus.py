"""Every file of ../shared/corpus/odd goes through `imgkit build` as its manifest expects."""

import csv
import json
import shutil

import pytest
from PIL import Image

from tests.conftest import tree_hashes, write_profile

#: where the manifest leaves the choice open ("PROCESS … or REJECT …"), imgkit's policy
CHOICES = {
    "pillow__ultrahdr.jpg": "rejected",                  # ends without EOI: truncated
    "sharp__giant-image.jpg": "rejected",                # over the pixel limit
    "pillow__sugarshack.mpo": "processed",               # MPO: the primary picture
    "pillow__orientation_rectangle.jpg": "processed",    # upscale allowed in this run
    "sharp__testimgl.jpg": "processed",
    "ljt__testimgari.jpg": "processed",                  # arithmetic coding: libjpeg-turbo decodes it
    "pillow__truncated_end_chunk.png": "processed",      # pixel data complete
    "pillow__broken_data_stream.png": "processed",       # pixel data complete, EXIF ignored with a note
    "pillow__png_decompression_dos.png": "rejected",
    "pillow__unknown_compression_method.png": "rejected",
    "sharp__full-transparent.png": "rejected",           # nothing to show
    "sharp__2x2_fdcce6.png": "processed",                # upscale allowed in this run
    "pillow__iss634.apng": "rejected",                   # animated: [input] multi_frame = "reject"
    "pillow__iss634.gif": "rejected",
    "pillow__iss634.webp": "rejected",
    "pillow__avif_rot1mir0.avif": "processed",
    "pillow__avif_hopper.heif": "rejected",
    "pillow__multipage.tiff": "rejected",
    "pillow__hopper.Lab.tif": "processed",               # Lab -> sRGB through LittleCMS
    "pillow__10ct_32bit_128.tiff": "rejected",
    "pillow__bmp_b_badrle.bmp": "processed",             # Pillow decodes it; nothing to tell it apart
    "pillow__bmp_g_rgb32bf.bmp": "rejected",
    "pillow__hopper.psd": "rejected",                    # PSD not in the default formats
    "pillow__test-ole-file.doc": "skipped",              # not an image: reported, never touched
}


def expectation(row) -> str:
    name, expected = row["filename"], row["expected"]
    if name in CHOICES:
        return CHOICES[name]
    if expected.startswith("PROCESS") and "REJECT" not in expected:
        return "processed"
    if expected.startswith("REJECT") and "PROCESS" not in expected:
        return "rejected"
    pytest.fail(f"{name}: the manifest leaves a choice ({expected!r}); record imgkit's in CHOICES")


@pytest.fixture(scope="module")
def odd_run(corpus, tmp_path_factory):
    from click.testing import CliRunner

    from imgkit.cli import main

    tmp = tmp_path_factory.mktemp("odd")
    src = tmp / "src" / "X1"
    shutil.copytree(corpus / "odd", src, ignore=shutil.ignore_patterns("MANIFEST.tsv"))
    before = tree_hashes(src)
    prof = write_profile(tmp / "up.toml", detail={"allow_upscale": True})
    result = CliRunner().invoke(main, ["build", str(src.parent), "-o", str(tmp / "out"), "-p", str(prof),
                                       "-j", "2", "--json"], catch_exceptions=False)
    rows = list(csv.DictReader((corpus / "odd" / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t"))
    return result, json.loads(result.stdout), rows, src, before, tmp / "out"


def test_every_odd_file_handled_as_expected(odd_run):
    result, report, rows, *_ = odd_run
    got = {f["source"].rsplit("/", 1)[-1]: f for f in report["files"]}
    assert len(rows) >= 70
    wrong = {r["filename"]: (got.get(r["filename"], {}).get("status"), expectation(r),
                             got.get(r["filename"], {}).get("reason"))
             for r in rows if got.get(r["filename"], {}).get("status") != expectation(r)}
    assert not wrong, wrong


def test_rejections_are_one_line_each_naming_the_file(odd_run):
    result, report, rows, *_ = odd_run
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith(("rejected: ", "skipped: "))]
    refused = [f for f in report["files"] if f["status"] in ("rejected", "skipped")]
    assert len(lines) == len(refused)
    for f in refused:
        assert f["reason"] and "\n" not in f["reason"]
        assert sum(f["source"] in line for line in lines) == 1


def test_processed_odd_files_give_valid_710px_jpegs_and_originals_stay(odd_run):
    result, report, rows, src, before, out = odd_run
    done = [f for f in report["files"] if f["status"] == "processed"]
    assert len(done) >= 40
    for f in done:
        im = Image.open(out / f["outputs"]["detail"])
        im.load()
        assert im.format == "JPEG" and im.mode == "RGB" and im.width == 710
    assert tree_hashes(src) == before
