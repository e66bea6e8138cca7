"""The description page (R5): real builds of small photo sets, pages written and decoded."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from imgkit import profile as profiles
from imgkit.engine.session import build
from imgkit.errors import ProfileError
from imgkit.imaging.colours import rgb_of as rgb
from imgkit.profile import Page
from imgkit.store.lock import locked
from imgkit.tree.page import _title, compose, compose_item, cuts, fit, layout, render_pages
from tests.conftest import photo_set, write_profile

BG = "#3366aa"
PAGE = {"width": 750, "slice_height": 1200, "margin": 20, "spacing": 24, "background": BG,
        "heading_size": 30, "heading_color": "#ffffff"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """OUT of a real build: A1, A2 three 900x1200 photos each (same layout), B1 two 1500x700."""
    root = tmp_path_factory.mktemp("page")
    src = root / "src"
    photo_set(src, 6, per_item=3, item="A", size=(900, 1200))
    photo_set(src, 2, per_item=2, item="B", size=(1500, 700), prefix="X")
    prof_path = write_profile(root / "page.toml", page=PAGE)
    summary = build(src, root / "out", profiles.load(str(prof_path)), jobs=1)
    assert summary.ok and len(list((root / "out" / "detail").rglob("*.jpg"))) == 8
    return root / "out", prof_path


@pytest.fixture
def out(built, tmp_path) -> Path:
    """A private copy of the built tree, free to change."""
    return Path(shutil.copytree(built[0], tmp_path / "out"))


@pytest.fixture
def prof(built):
    return profiles.load(str(built[1]))


def decode(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        assert im.mode == "RGB" and im.format == "JPEG"
        return np.asarray(im).astype(int)


def is_background(rows: np.ndarray) -> np.ndarray:
    """Per row: every pixel within JPEG tolerance of the page background."""
    return (np.abs(rows - np.array(rgb(BG))) <= 12).all(axis=(1, 2))


# pure functions, arrays only

def test_compose_places_blocks_and_slices_stack_back_exactly():
    page = Page(width=300, slice_height=250, margin=10, spacing=7, background=BG)
    rng = np.random.default_rng(7)
    images = [rng.integers(0, 256, (h, 280, 3), dtype=np.uint8) for h in (120, 400, 60, 90)]
    heading = rng.integers(0, 256, (page.band, 280, 3), dtype=np.uint8)
    canvas, blocks = compose(images, heading, page)
    assert canvas.shape == (10 + page.band + 120 + 400 + 60 + 90 + 4 * 7 + 10, 300, 3)
    assert [b.kind for b in blocks] == ["heading", "image", "image", "image", "image"]
    for b, src in zip(blocks, [heading, *images], strict=True):
        assert np.array_equal(canvas[b.top:b.bottom, 10:290], src)
    ink = np.zeros(canvas.shape[0], bool)
    for b in blocks:
        ink[b.top:b.bottom] = True
    assert (canvas[~ink] == rgb(BG)).all() and (canvas[:, :10] == rgb(BG)).all() and (canvas[:, 290:] == rgb(BG)).all()
    slices = [canvas[a:b] for a, b in cuts(blocks, canvas.shape[0], page.slice_height)]
    assert all(len(s) <= 250 for s in slices)
    assert np.array_equal(np.concatenate(slices), canvas)   # pixel for pixel, before JPEG


def test_compose_refuses_blocks_of_the_wrong_width():
    with pytest.raises(ValueError, match="expected H×710×3 uint8"):
        compose([np.zeros((10, 700, 3), np.uint8)], None, Page())


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.integers(1, 2500), min_size=1, max_size=12), st.integers(100, 2000),
       st.integers(0, 60), st.integers(0, 60), st.booleans())
def test_cuts_cover_the_page_and_only_cut_images_taller_than_a_slice(heights, limit, margin, spacing, heading):
    page = Page(width=750, slice_height=limit, margin=margin, spacing=spacing, heading_size=20,
                sections=("heading", "details") if heading else ("details",))
    if page.band + 2 * margin > limit:
        return
    blocks, height = layout(heights, page)
    spans = cuts(blocks, height, limit)
    assert spans[0][0] == 0 and spans[-1][1] == height
    assert all(a < b <= a + limit for a, b in spans) and all(x[1] == y[0] for x, y in pairwise(spans))
    for _, y in spans[:-1]:
        inside = [b for b in blocks if b.top < y < b.bottom]
        assert not inside or (inside[0].kind == "image" and inside[0].height > limit)
    last = blocks[-1]   # no last slice of background only, unless a short image and the margin overflow
    assert spans[-1][0] < last.bottom or (last.height <= limit and last.height + margin > limit)


def test_a_content_wide_image_is_placed_unscaled_and_others_are_scaled():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (50, 710, 3), dtype=np.uint8)
    assert np.array_equal(fit(Image.fromarray(a), 710), a)
    wide = fit(Image.fromarray(rng.integers(0, 256, (100, 1420, 3), dtype=np.uint8)), 710)
    assert wide.shape == (50, 710, 3)


def test_title_is_the_first_fact_else_the_item():
    facts = json.dumps({"facts": [["品名", "棉麻衬衫"], ["货号", "A1001"]]}, ensure_ascii=False)
    assert _title([facts, json.dumps({"caption": "x"})], "A1001") == "棉麻衬衫"
    assert _title([None, json.dumps({"caption": "x"}), "not json", json.dumps({"facts": []})], "A1001") == "A1001"


# real pages from a real build

def test_page_is_the_profile_width_and_its_slices_stack_back(out, prof, cli, built):
    result = cli("page", out, "A1", "-p", built[1])
    assert result.exit_code == 0, result.output
    slices = sorted((out / "page" / "A1").glob("A1-page-*.jpg"))
    assert [str(p) for p in slices] == result.stdout.split()
    assert len(slices) >= 2   # 3 images of 710x947 cannot fit one 1200 px slice
    decoded = [decode(p) for p in slices]
    assert all(d.shape[1] == 750 and d.shape[0] <= 1200 for d in decoded)
    canvas, blocks, _ = compose_item(out, "A1", prof)
    whole = np.concatenate(decoded)
    assert whole.shape == canvas.shape
    assert np.abs(whole - canvas).mean() < 2.0
    assert [b.height for b in blocks if b.kind == "image"] == [947, 947, 947]   # 710 wide, unscaled


def test_two_items_share_the_template_layout(out, prof):
    render_pages(out, ["A1", "A2", "B1"], prof)
    pages = {i: np.concatenate([decode(p) for p in sorted((out / "page" / i).glob(f"{i}-page-*.jpg"))])
             for i in ("A1", "A2", "B1")}
    band = prof.page.band
    gaps = {i: is_background(p) for i, p in pages.items()}
    for g in gaps.values():
        g[20:20 + band] = False   # the heading band: its text differs, its place does not
    assert pages["A1"].shape == pages["A2"].shape
    assert np.array_equal(gaps["A1"], gaps["A2"])   # background rows in the same places
    top = 20 + band + 24   # margin, heading band, spacing: then the first image, on every page
    for i in pages:
        _, blocks, _ = compose_item(out, i, prof)
        assert [(b.kind, b.top, b.height) for b in blocks[:2]] == [("heading", 20, band),
                                                                   ("image", top, blocks[1].height)]
    for i, p in pages.items():
        bleed = 8   # JPEG chroma blocks smear an edge over a few rows
        assert gaps[i][:20 - bleed].all() and gaps[i][20 + band + bleed:top - bleed].all(), i
        assert not gaps[i][top:top + 50].any(), i
        assert (np.abs(p[:, :20 - bleed] - rgb(BG)) <= 12).all() and (np.abs(p[:, -20 + bleed:] - rgb(BG)) <= 12).all()
        assert not is_background(p[20:20 + band]).all()   # the heading has ink
    assert np.array_equal(gaps["A1"][:top + 1], gaps["B1"][:top + 1])


def test_cut_only_in_gaps_for_images_shorter_than_a_slice(out, prof):
    result = render_pages(out, ["A1"], prof)
    ys = np.cumsum([Image.open(p).height for p in result if p.suffix == ".jpg"])[:-1]
    _, blocks, _ = compose_item(out, "A1", prof)
    for y in ys:
        assert not any(b.top < y < b.bottom for b in blocks), y


def test_heading_shows_the_first_fact_from_the_state(out, prof):
    before, _, text = compose_item(out, "A1", prof)
    assert text == "A1"
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    if "decoration" not in {r[1] for r in db.execute("PRAGMA table_info(sources)")}:
        db.execute("ALTER TABLE sources ADD COLUMN decoration TEXT")
    db.execute("UPDATE sources SET decoration = ? WHERE item = 'A1' AND idx = 1",
               (json.dumps({"facts": [["品名", "棉麻衬衫"], ["货号", "A1"]]}, ensure_ascii=False),))
    db.commit()
    db.close()
    after, blocks, text = compose_item(out, "A1", prof)
    assert text == "棉麻衬衫"
    head = blocks[0]
    assert head.kind == "heading"
    assert not np.array_equal(before[head.top:head.bottom], after[head.top:head.bottom])
    assert np.array_equal(before[head.bottom:], after[head.bottom:])


def test_without_a_state_the_files_on_disk_in_natural_order(out, prof):
    with_state, _, _ = compose_item(out, "A1", prof)
    shutil.rmtree(out / ".imgkit")
    without, _, _ = compose_item(out, "A1", prof)
    assert np.array_equal(with_state, without)


def test_stale_slices_of_a_longer_page_are_removed(out, built, tmp_path):
    short = profiles.load(str(write_profile(tmp_path / "short.toml", page={**PAGE, "slice_height": 400})))
    long_ = profiles.load(str(built[1]))
    first = render_pages(out, ["A1"], short)
    (out / "page" / "A1" / "keep-me.txt").write_text("x")
    second = render_pages(out, ["A1"], long_)
    left = sorted(p.name for p in (out / "page" / "A1").iterdir())
    assert len(first) > len(second)
    assert left == sorted([p.name for p in second] + ["keep-me.txt"])


def test_preview_references_every_slice_and_nothing_else(out, prof):
    written = render_pages(out, ["A2"], prof)
    html = written[-1].read_text(encoding="utf-8")
    refs = re.findall(r'src="([^"]+)"', html)
    assert refs == [p.name for p in written[:-1]]
    assert "750px" in html and "href=" not in html and "http" not in html


def test_all_items_and_the_default_is_not_in_build(out, cli, built):
    result = cli("page", out, "--all", "-p", built[1])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "page").iterdir()) == ["A1", "A2", "B1"]
    assert profiles.load("default").page.in_build is False


# errors: exit 2, the file or item named, nothing written

@pytest.mark.parametrize("args, words", [
    (["{tmp}/nowhere", "A1"], r"nowhere: no such folder"),
    (["{out}", "Z9"], r"Z9: no such item in .*\(items: A1, A2, B1\)"),
    (["{out}", "../A1"], r"'\.\./A1': not an item number"),
    (["{out}", "E1"], r"E1: no detail images in .*detail/E1"),
    (["{out}"], r"name at least one ITEM, or --all"),
    (["{out}", "A1", "--all"], r"ITEMs or --all, not both"),
])
def test_errors_exit_2_naming_the_item_or_file(out, cli, tmp_path, args, words):
    (out / "detail" / "E1").mkdir()
    result = cli("page", *[a.format(tmp=tmp_path, out=out) for a in args])
    assert result.exit_code == 2
    assert re.search(words, result.stderr), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (out / "page").exists()


def test_a_detail_image_listed_in_the_state_but_missing_is_named(out, cli):
    (out / "detail" / "A1" / "A1-02.jpg").unlink()
    result = cli("page", out, "A1")
    assert result.exit_code == 2 and "A1-02.jpg: listed as done in the state but missing" in result.stderr


def test_a_held_lock_is_a_clear_error(out, cli):
    with locked(out / ".imgkit" / "lock"):
        result = cli("page", out, "A1")
    assert result.exit_code == 2 and "another imgkit" in result.stderr
    assert not (out / "page").exists()


def test_not_an_output_tree(tmp_path, cli):
    result = cli("page", tmp_path, "A1")
    assert result.exit_code == 2 and "not an imgkit output tree" in result.stderr


@pytest.mark.parametrize("values, words", [
    ({"margin": 400}, r"\[page\] margin 400 leaves no room"),
    ({"sections": ["heading", "footer"]}, r"\[page\] sections = .* out of range"),
    ({"sections": ["heading"]}, r"\[page\] sections"),
    ({"heading": "{name}"}, r"\[page\] heading = '\{name\}' is out of range"),
    ({"slice_height": 100, "heading_size": 60}, r"heading band \(120 px\) and margins must fit"),
    ({"width": 50}, r"\[page\] width = 50 is out of range"),
    ({"in_build": "yes"}, r"\[page\] in_build must be true or false"),
])
def test_bad_page_values_name_the_key(tmp_path, values, words):
    path = write_profile(tmp_path / "bad.toml", page=values)
    with pytest.raises(ProfileError, match=words):
        profiles.load(str(path))


def test_shipped_profiles_give_taobao_width():
    assert profiles.load("taobao-item").page.width == 750
    assert profiles.load("default").page.width == 750
