"""Validation rules: small pure functions over measured facts, registered in ``RULES``.

Each rule has a stable id, a severity and a one-line description; its check takes the
``Rule`` itself, one subject (a ``FileFacts`` for scope "file", an ``ItemFacts`` for scope
"item") and the ``Context``, and returns ``Finding`` values made with ``rule.at(...)``. No
rule reads a file: ``checks.validate`` measures everything first (decode, EXIF, ICC,
watermark match) into the facts, so every rule is testable on values.

Two plug points are named here for work landing in other issues:
- ``MAIN_IMAGE_CHECKS``: functions ``(path, profile) -> list[Finding]`` run on each file under
  ``main/`` of a build tree (issue 4 provides ``check_main_image``; S1 is not judged here).
- ``calibration_delta_e`` reads the ΔE2000 a build recorded per source (R8) from the facts;
  ``chart_missing`` what calibration it recorded (``[validate] require_chart``).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Iterable

from imgkit.checks.facts import Context, FileFacts, ItemFacts, Rule
from imgkit.checks.text_rules import qr_code, text_banned, text_link
from imgkit.findings import ERROR, WARNING, Finding
from imgkit.main_image.check import check_main_image

# --- naming (R9) --------------------------------------------------------------------------

def template_regex(template: str) -> re.Pattern:
    """``{item}-{index:02d}`` → a regex with groups ``item`` and ``index``."""
    parts = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name == "item":
            parts.append(r"(?P<item>.+?)")
        elif name == "index":
            parts.append(r"(?P<index>\d+)")
    return re.compile("".join(parts) + r"\Z")


def naming_template(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    if f.index is None or not f.stem_ok:
        want = ctx.profile.naming.template.format(item=f.item or "ITEM", index=ctx.profile.naming.start)
        yield rule.at(f"name does not follow the template {ctx.profile.naming.template!r} "
                      f"(expected like {want}.jpg)", file=f.path, item=f.item)


def naming_extension(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    allowed = ctx.profile.validate.extensions
    if f.ext not in allowed:
        shown = ", ".join("." + e for e in allowed)
        yield rule.at(f"extension {'.' + f.ext if f.ext else '(none)'} not allowed (allowed: {shown})",
                      file=f.path, item=f.item)


def naming_duplicate(rule: Rule, it: ItemFacts, ctx: Context) -> Iterable[Finding]:
    counts = Counter(f.index for f in it.files if f.index is not None)
    for index, n in sorted(counts.items()):
        if n > 1:
            paths = ", ".join(f.path for f in it.files if f.index == index)
            yield rule.at(f"{n} files for index {index}: {paths}", item=it.item)


def naming_gap(rule: Rule, it: ItemFacts, ctx: Context) -> Iterable[Finding]:
    have = sorted({f.index for f in it.files if f.index is not None})
    if not have:
        return
    start = ctx.profile.naming.start
    missing = sorted(set(range(start, have[-1] + 1)) - set(have))
    if missing:
        yield rule.at(f"indices not contiguous from {start}: missing {_ranges(missing)} "
                      f"(have {_ranges(have)})", item=it.item)


def _ranges(values: list[int]) -> str:
    out, run = [], [values[0]]
    for v in values[1:]:
        if v == run[-1] + 1:
            run.append(v)
        else:
            out.append(run)
            run = [v]
    out.append(run)
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in out)


# --- count (R4) and size (R3) -------------------------------------------------------------

def count_min(rule: Rule, it: ItemFacts, ctx: Context) -> Iterable[Finding]:
    need = ctx.profile.validate.min_per_item
    if len(it.files) < need:
        yield rule.at(f"{len(it.files)} detail image{'s' * (len(it.files) != 1)}, at least {need} required",
                      item=it.item)


def size_width(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    want = ctx.profile.detail.width
    if f.width is not None and f.width != want:
        yield rule.at(f"width {f.width} px, expected exactly {want} px", file=f.path, item=f.item)


def size_height(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    v = ctx.profile.validate
    if f.height is not None and not v.min_height <= f.height <= v.max_height:
        yield rule.at(f"height {f.height} px, expected {v.min_height}..{v.max_height} px",
                      file=f.path, item=f.item)


# --- watermark (R2) -----------------------------------------------------------------------

def watermark_present(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    m = f.watermark
    if m is None or not ctx.watermark_searched:
        return
    need = ctx.profile.validate.watermark_min_score
    if m.score < need:
        where = f" (best place {m.width}x{m.height} at {m.x},{m.y})" if m.width else ""
        yield rule.at(f"shop watermark not found: best match {m.score:.2f}{where}, needs {need:.2f}",
                      file=f.path, item=f.item)


def watermark_disabled(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    """R2 holds for every picture: a profile that turns the mark off cannot pass a tree."""
    if not ctx.profile.watermark.enabled:
        yield rule.at("no shop watermark: the profile turns it off ([watermark] enabled = false); "
                      "R2 needs the shop's mark on every picture", file=f.path, item=f.item)


# --- colour (R8) --------------------------------------------------------------------------

def colour_cmyk(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    if f.mode == "CMYK" or f.icc_space == "CMYK":
        yield rule.at("CMYK file: browsers show it with wrong colours; deliver sRGB", file=f.path, item=f.item)


def colour_icc(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    if f.icc is not None and f.icc != "sRGB" and f.icc_space != "CMYK":
        yield rule.at(f"embedded ICC profile {f.icc!r} is not sRGB; convert to sRGB", file=f.path, item=f.item)


def colour_depth(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    if f.bits is not None and f.bits != 8:
        yield rule.at(f"{f.bits}-bit channels, expected 8-bit", file=f.path, item=f.item)


def colour_alpha(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    if f.alpha and (f.ext in ("jpg", "jpeg") or f.format == "JPEG"):
        yield rule.at(f"alpha channel ({f.mode}) in a .{f.ext} file: the format cannot carry it",
                      file=f.path, item=f.item)


def calibration_delta_e(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    """R8: the calibration's mean ΔE2000 leave-one-out (each chart patch predicted by a fit that
    never saw it: what a colour the chart does not hold can expect), as the build recorded it,
    against ``[colour] max_delta_e``. Only a build tree's state knows it; nothing is guessed."""
    limit = ctx.profile.colour.max_delta_e
    if f.delta_e is not None and f.delta_e > limit:
        fit = "" if f.delta_e_fit is None else f" ({f.delta_e_fit:.2f} in-sample)"
        yield rule.at(f"colour calibration {f.calibration or ''} leaves mean ΔE2000 {f.delta_e:.2f} "
                      f"leave-one-out{fit}, limit {limit:g}".replace("  ", " "), file=f.path, item=f.item)


def chart_missing(rule: Rule, it: ItemFacts, ctx: Context) -> Iterable[Finding]:
    """R8 with ``[validate] require_chart``: every image was corrected by a chart calibration,
    as the build recorded it. A folder without a build state holds no such record."""
    if not ctx.profile.validate.require_chart or not it.files:
        return
    if not ctx.has_state:
        yield rule.at("no build state: nothing records that a colour chart calibrated these images", item=it.item)
        return
    bare = [f for f in it.files if f.calibration is None]
    if bare:
        names = ", ".join(f.path.rsplit("/", 1)[-1] for f in bare)
        yield rule.at(f"no colour chart calibrated {len(bare)} of {len(it.files)} images ({names}): shoot the "
                      f"chart with the item or the session", item=it.item)


# --- file ---------------------------------------------------------------------------------

def file_decode(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    if f.decode_error:
        yield rule.at(f"does not decode cleanly: {f.decode_error}", file=f.path, item=f.item)


def file_format(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    allowed = ctx.profile.validate.formats
    if f.format is not None and f.format not in allowed:
        yield rule.at(f"format {f.format}, allowed: {', '.join(allowed)}", file=f.path, item=f.item)


def file_size(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    limit = ctx.profile.validate.max_file_bytes
    if f.bytes > limit:
        yield rule.at(f"{f.bytes:,} bytes, limit {limit:,}", file=f.path, item=f.item)


def file_gps(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    if f.gps:
        yield rule.at("GPS position left in the metadata (where the photo was taken)", file=f.path, item=f.item)


def file_camera(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    if f.camera_tags:
        yield rule.at(f"camera metadata left: {', '.join(f.camera_tags)}", file=f.path, item=f.item)


# --- freshness (R1) -----------------------------------------------------------------------

def freshness_overdue(rule: Rule, it: ItemFacts, ctx: Context, errors: int) -> Iterable[Finding]:
    if it.first_seen is None or not errors:
        return
    days = (ctx.now - it.first_seen) / 86400
    if days > ctx.profile.validate.sla_days:
        yield rule.at(f"first seen {days:.1f} days ago (SLA {ctx.profile.validate.sla_days:g} days) "
                      f"and still failing {errors} error rule{'s' * (errors != 1)}", item=it.item)


# --- annotations (R4, R6/R7): what build recorded drawing on each image --------------------

def facts_missing(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    if ctx.profile.validate.require_facts and f.decoration is not None \
            and f.index == ctx.profile.naming.start and not f.decoration.get("facts"):
        yield rule.at("the big image carries no facts panel (add the item's row to the product sheet)",
                      file=f.path, item=f.item)


def caption_missing(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    if ctx.profile.validate.require_captions and f.decoration is not None \
            and f.index is not None and f.index > ctx.profile.naming.start and not f.decoration.get("caption"):
        yield rule.at("selling-point image without a caption (add it to the sheet's selling_points / 卖点)",
                      file=f.path, item=f.item)


RULES: tuple[Rule, ...] = (
    Rule("naming.template", ERROR, "file name is the profile's template for its item and index", "file",
         naming_template),
    Rule("naming.extension", ERROR, "extension is one the profile allows", "file", naming_extension),
    Rule("naming.duplicate", ERROR, "no two files for one index", "item", naming_duplicate),
    Rule("naming.gap", ERROR, "indices contiguous from [naming] start", "item", naming_gap),
    Rule("count.min", ERROR, "at least [validate] min_per_item detail images per item", "item", count_min),
    Rule("size.width", ERROR, "width exactly [detail] width", "file", size_width),
    Rule("size.height", ERROR, "height within [validate] min_height..max_height", "file", size_height),
    Rule("watermark.missing", ERROR, "the profile's watermark is found (partial NCC ≥ watermark_min_score)", "file",
         watermark_present),
    Rule("watermark.disabled", ERROR, "the profile draws the shop's watermark ([watermark] enabled is not false)",
         "file", watermark_disabled),
    Rule("colour.cmyk", ERROR, "no CMYK", "file", colour_cmyk),
    Rule("colour.icc", ERROR, "no ICC profile other than sRGB", "file", colour_icc),
    Rule("colour.depth", ERROR, "8 bits per channel", "file", colour_depth),
    Rule("colour.alpha", ERROR, "no alpha channel in a JPEG file", "file", colour_alpha),
    Rule("colour.delta_e", ERROR, "recorded calibration ΔE2000 (leave-one-out) within [colour] max_delta_e", "file",
         calibration_delta_e),
    Rule("colour.chart", ERROR, "with [validate] require_chart: a colour chart calibrated every image", "item",
         chart_missing),
    Rule("facts.missing", ERROR, "with [validate] require_facts: the first image carries the facts panel", "file",
         facts_missing),
    Rule("caption.missing", ERROR, "with [validate] require_captions: images 02..N carry a caption", "file",
         caption_missing),
    Rule("file.decode", ERROR, "decodes cleanly", "file", file_decode),
    Rule("file.format", ERROR, "format is one of [validate] formats", "file", file_format),
    Rule("file.size", ERROR, "file size within [validate] max_file_bytes", "file", file_size),
    Rule("file.gps", ERROR, "no GPS position in the metadata", "file", file_gps),
    Rule("file.camera", WARNING, "no camera make, model or serial number in the metadata", "file", file_camera),
    Rule("text.banned", ERROR, "with [validate] read_text: no banned word read in the picture", "file",
         text_banned),
    Rule("text.link", ERROR, "with [validate] read_text: no link or QR wording read in the picture", "file",
         text_link),
    Rule("qr.code", ERROR, "with [validate] read_text: no QR code in the picture", "file", qr_code),
    Rule("freshness.overdue", ERROR, "an item first seen over [validate] sla_days ago is not still failing", "overdue",
         freshness_overdue),
)

#: checks for files under ``main/`` of a build tree: ``(path, profile) -> list[Finding]``
MAIN_IMAGE_CHECKS: tuple[Callable, ...] = (lambda path, profile: check_main_image(path, profile),)


def main_checks() -> tuple[Callable, ...]:
    """The main-image checks in use."""
    return MAIN_IMAGE_CHECKS


def run(items: Iterable[ItemFacts], ctx: Context, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    """Every finding of ``rules`` over ``items``, item by item, files in order."""
    found: list[Finding] = []
    for it in items:
        mine: list[Finding] = []
        for f in it.files:
            for rule in rules:
                if rule.scope == "file":
                    mine += rule.check(rule, f, ctx)
        for rule in rules:
            if rule.scope == "item":
                mine += [_with_item(x, it.item) for x in rule.check(rule, it, ctx)]
        errors = len({x.rule for x in mine if x.severity == ERROR})
        for rule in rules:
            if rule.scope == "overdue" and ctx.has_state:
                mine += rule.check(rule, it, ctx, errors)
        found += mine
    return found


def _with_item(f: Finding, item: str) -> Finding:
    return f if f.item else Finding(f.rule, f.severity, f.message, f.file, item)


__all__ = ["RULES", "MAIN_IMAGE_CHECKS", "Rule", "FileFacts", "ItemFacts", "Context", "run",
           "template_regex", "main_checks"]
