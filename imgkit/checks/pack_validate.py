"""``imgkit validate OUT/export/<platform> -p <platform>``: measure every file of a marketplace
pack once, then run ``pack_rules.PACK_RULES``.

Measuring: the header, ICC and decode (``validate.inspect``); the shop's watermark looked for
on the white-background image, and on every main image where ``[export] main_watermark = false``,
with the shop's own profile (the one recorded for OUT when the pack lies in OUT/export/, else
the profile given); on the white-background image the border band's purity, the product's box
and, with ``text_banned``, the text OCR reads.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from imgkit import profile as profiles
from imgkit.checks.facts import Context, ItemFacts
from imgkit.checks.pack import MAIN, TALL, WHITE, PackFile, build_tree_of, walk
from imgkit.checks.pack_rules import PACK_RULES, WHITE_TOLERANCE, PackFacts
from imgkit.checks.rules import run
from imgkit.checks.validate import Validation, _mark, inspect
from imgkit.errors import ConfigError
from imgkit.profile import Profile
from imgkit.store.tree_profile import recorded


def shop_profile(target: Path, given: Profile) -> Profile:
    """The shop's profile, whose watermark must stay off banned images: the one OUT records
    when the pack is OUT/export/<platform> of a build tree, else ``given``."""
    out = build_tree_of(target)
    rec = recorded(out) if out is not None else None
    if rec is None or not rec.name:
        return given
    if Path(rec.path).is_file():
        return profiles.load(rec.path)
    if rec.name in profiles.shipped():
        return profiles.load(rec.name)
    return given


def validate_pack(target: Path, profile: Profile, shop: Profile | None = None, *, jobs: int = 0) -> Validation:
    """Measure and judge the pack folder ``target`` by ``profile``'s ``[export]``."""
    start = time.perf_counter()
    target = target.resolve()
    if not target.is_dir():
        raise ConfigError(f"{target}: not a folder")
    if not profile.export.platform:
        raise ConfigError(f"{profile.path}: not an export profile (no [export] platform)")
    shop = shop or profile
    # the shop's mark at the shop's settings; reading text is this module's own decision
    shop = replace(shop, validate=replace(shop.validate, read_text=False))
    mark = _mark(shop)
    x = profile.export

    def one(pf: PackFile) -> PackFacts:
        banned = pf.role == WHITE or (pf.role in (MAIN, TALL) and not x.main_watermark)
        facts = inspect(pf.path, pf.rel, pf.item, pf.index, pf.problem is None, shop,
                        mark=mark if banned else None)
        measured = {}
        if pf.role == WHITE and facts.decode_error is None and facts.format is not None:
            measured = _white(pf.path, x.white_band, x.text_banned)
        return PackFacts(**{**vars(facts), **measured, "role": pf.role, "problem": pf.problem})

    files = walk(target, x)
    with ThreadPoolExecutor(max_workers=jobs or min(4, os.cpu_count() or 1)) as pool:
        facts = list(pool.map(one, files))
    by_item: dict[str, list[PackFacts]] = {}
    for f in facts:
        by_item.setdefault(f.item or "", []).append(f)
    loose = by_item.pop("", [])
    items = [ItemFacts(item, tuple(sorted(fs, key=lambda f: (f.role != WHITE, f.path)))) for item, fs in
             sorted(by_item.items())]
    ctx = Context(profile, time.time(), watermark_searched=mark is not None)
    findings = run(items, ctx, PACK_RULES)
    stray = run([ItemFacts("", tuple(loose))], ctx, tuple(r for r in PACK_RULES if r.scope == "file"))
    return Validation(target, "pack", profile, items, findings, stray, elapsed=time.perf_counter() - start,
                      rules=PACK_RULES)


#: a "line" of text taller than this share of the picture is the product read as a glyph (a ring as O)
MAX_LINE = 0.3
#: px around the product's box left out of the purity band: JPEG rings up to an MCU (16 px at 4:2:0) from an edge
EDGE = 16


def _white(path: Path, band: float, read: bool) -> dict:
    """The product's box, the purity of the border band around it and (``read``) the text on a
    white image, each line marked as lying on the product or on the background.

    Purity is judged on the band's pixels outside the product's box (grown by a JPEG MCU for
    the ringing at its edge; not grown when that leaves none: a near-square product within 16 px
    of every edge, then ``margin_only``): JD's product comes within 10 px of the canvas, inside a
    2 % band, and is no impurity of the background. Text read is left out of the product's box, so a
    caption on the white does not make the product look bigger."""
    import cv2

    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"))
    h, w = rgb.shape[:2]
    thing = (rgb.min(axis=2) < 255 - WHITE_TOLERANCE).astype(np.uint8)
    thing = cv2.morphologyEx(thing, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))   # JPEG specks are no product
    out: dict = {"box": None}
    lines = ()
    if read:
        from imgkit.checks.text_reading import read_text
        lines = tuple(t for t in read_text(rgb) if t.box[3] <= h * MAX_LINE)
        for x, y, tw, th in (t.box for t in lines):
            thing[y:y + th, x:x + tw] = 0
    ys, xs = np.nonzero(thing)
    b = max(1, round(band * min(w, h)))
    ring = np.ones((h, w), bool)
    ring[b:h - b, b:w - b] = False
    if len(xs):
        x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
        out["box"] = (x0, y0, x1 - x0, y1 - y0)
        grown = ring.copy()
        grown[max(0, y0 - EDGE):y1 + EDGE, max(0, x0 - EDGE):x1 + EDGE] = False
        if not grown.any():   # a product within EDGE px of every edge (JD, near square): its margin
            grown = ring.copy()
            grown[y0:y1, x0:x1] = False
            out["margin_only"] = True
        ring = grown
    out["band"], out["band_pixels"] = b, int(ring.sum())
    out["purity"] = round(float(np.all(rgb[ring] == 255, axis=1).mean()), 4) if ring.any() else 0.0
    if read:
        out["texts"] = lines
        out["on_product"] = tuple(_inside(t.box, out["box"]) for t in lines)
    return out


def _inside(box, product) -> bool:
    """Most of the text's box lies within the product's box."""
    if product is None:
        return False
    x, y, w, h = box
    px, py, pw, ph = product
    ox = max(0, min(x + w, px + pw) - max(x, px))
    oy = max(0, min(y + h, py + ph) - max(y, py))
    return ox * oy >= 0.5 * w * h
