"""Validation rules over what a detail image says (``[validate] read_text``): the text OCR read
and the QR codes found, judged by the main image's copy rules (``[main_image] banned_words``,
``link_tlds``, ``link_words``). Registered in ``rules.RULES`` as text.banned, text.link, qr.code."""

from __future__ import annotations

from collections.abc import Iterable

from imgkit.checks.facts import Context, FileFacts, Rule
from imgkit.findings import Finding
from imgkit.main_image.copy_rules import banned_in, links_in


def text_banned(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    for line in f.texts or ():
        if hit := banned_in(line.text, ctx.profile.main_image.banned_words):
            yield rule.at(f"reads {line.text!r} {_at(line.box)}: banned word(s) {', '.join(hit)}",
                          file=f.path, item=f.item)


def text_link(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    m = ctx.profile.main_image
    for line in f.texts or ():
        if hit := links_in(line.text, m.link_tlds, m.link_words):
            yield rule.at(f"reads {line.text!r} {_at(line.box)}: link or QR text {', '.join(hit)}",
                          file=f.path, item=f.item)


def qr_code(rule: Rule, f: FileFacts, ctx: Context) -> Iterable[Finding]:
    for code in f.qr_codes or ():
        what = f"reading {code.text!r}" if code.text else "(located, not decodable)"
        yield rule.at(f"QR code {_at(code.box)} {what}", file=f.path, item=f.item)


def _at(box) -> str:
    x, y, w, h = box
    return f"at x {x}..{x + w - 1}, y {y}..{y + h - 1}"
