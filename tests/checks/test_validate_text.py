"""`imgkit validate` with `[validate] read_text = true`: links, QR codes and banned words read in
detail images of a real build of the sample shoot (text and a code set on finished images,
re-saved as JPEG quality 75 after a slight blur, as a re-edited file would be)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFilter

from imgkit import profile as profiles
from imgkit.cli import main
from imgkit.imaging.fonts import find_font
from tests.conftest import SAMPLES, write_profile

FONT = find_font(profiles.load("taobao-service"))


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """The sample shoot built with the default profile, then three images edited by hand."""
    root = tmp_path_factory.mktemp("read")
    out = root / "out"
    result = run_cli("build", SAMPLES, "-o", out, "-j", "1")
    assert result.exit_code == 0, result.output
    item = out / "detail" / "A1002"
    edit(item / "A1002-03.jpg", text="扫码领券 www.shop.com")
    edit(item / "A1002-04.jpg", text="全网第一 官方正品")
    edit(item / "A1002-05.jpg", code="https://shop.example.com/a1002")
    return out


def edit(path: Path, *, text: str | None = None, code: str | None = None) -> None:
    im = Image.open(path).convert("RGB")
    if text:
        d = ImageDraw.Draw(im)
        d.rectangle((20, 20, 520, 84), fill=(255, 255, 255))
        d.text((30, 52), text, font=FONT.at(40), fill=(200, 20, 20), anchor="lm")
    if code:
        qr = cv2.QRCodeEncoder.create().encode(code)
        qr = cv2.resize(qr, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)
        arr = np.array(im)
        arr[30:30 + qr.shape[0], 30:30 + qr.shape[1]] = qr[..., None]
        im = Image.fromarray(arr)
    im.filter(ImageFilter.GaussianBlur(0.6)).save(path, "JPEG", quality=75)


def findings(out: Path, profile) -> tuple[int, dict]:
    result = run_cli("validate", out, "-p", profile, "--json", "-")
    return result.exit_code, json.loads(result.output)


@pytest.fixture(scope="module")
def reading(tree, tmp_path_factory) -> tuple[int, dict]:
    """validate with read_text = true (the one costly run, shared by the tests)."""
    return findings(tree, write_profile(tmp_path_factory.mktemp("p") / "read.toml", validate={"read_text": True}))


TEXT_RULES = {"text.banned", "text.link", "qr.code"}


def test_links_codes_and_banned_words_in_detail_images_are_errors(reading):
    code, data = reading
    assert code == 1
    found = {(f["rule"], Path(f["file"]).name) for f in data["findings"] if f["rule"] in TEXT_RULES}
    assert found == {("text.link", "A1002-03.jpg"), ("text.banned", "A1002-04.jpg"), ("qr.code", "A1002-05.jpg")}
    messages = {f["rule"]: f["message"] for f in data["findings"] if f["rule"] in TEXT_RULES}
    assert "www." in messages["text.link"] and "扫码" in messages["text.link"]
    assert "第一" in messages["text.banned"] and "官方" in messages["text.banned"]
    assert "reading 'https://shop.example.com/a1002'" in messages["qr.code"]
    status = {i["item"]: i["status"] for i in data["items"]}
    assert status == {"A1001": "pass", "A1002": "fail", "A1003": "pass"}
    assert all(f["severity"] == "error" for f in data["findings"] if f["rule"] in TEXT_RULES)


def test_what_was_read_is_in_the_json(reading):
    _, data = reading
    files = {f["path"].split("/")[-1]: f for i in data["items"] for f in i["files"]}
    assert all("text_read" in f for f in files.values())
    assert any("www.shop.com" in t.replace(" ", "") for t in files["A1002-03.jpg"]["text_read"])
    # the facts panel of A1001-01 is read too (its title, 品名, is in the sample sheet)
    assert files["A1001-01.jpg"]["text_read"]


def test_off_by_default_for_detail_images(tree):
    code, data = findings(tree, "default")
    assert not {f["rule"] for f in data["findings"]} & TEXT_RULES
    assert not any("text_read" in f for i in data["items"] for f in i["files"])
    assert {i["item"]: i["status"] for i in data["items"]}["A1002"] == "pass"  # the edits go unseen
    assert code == 0


def test_main_images_of_a_build_tree_are_always_read(tree, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(tree, out)
    (out / "main").mkdir()
    im = Image.new("RGB", (400, 400), (31, 78, 140))
    d = ImageDraw.Draw(im)
    d.ellipse((70, 18, 329, 277), fill=(250, 200, 40))
    d.text((200, 313), "官方旗舰店", font=FONT.at(36), fill="white", anchor="mm")
    d.text((200, 364), "唯一正品", font=FONT.at(30), fill="white", anchor="mm")
    im.save(out / "main" / "A1001-main.png")
    code, data = findings(out, "default")   # read_text is off: main images are read all the same
    main = [f for f in data["findings"] if f.get("file", "").startswith("main/")]
    assert "main.text.banned" in {f["rule"] for f in main} and code == 1
