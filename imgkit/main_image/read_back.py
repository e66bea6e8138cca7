"""What a main image really says: its text read by OCR and its QR codes, judged by the copy rules.

``read_back_rules`` is the part of ``check_main_image`` that looks at letters rather than
colours. It reads every main image, generated or hand-made, with or without a sidecar, and
applies the rules generation applies to what it is asked to draw (``copy_rules``): banned
words, link and QR text anywhere in the picture, QR codes themselves; and for service
images (S1) a company name read in the company area and one line of copy of at most
``copy_max_chars`` counted characters read in the copy area. With a spec (or sidecar) the
read texts are compared with it.

Rule ids: main.qr, main.text.banned, main.text.link, main.text.missing, main.copy.length,
main.text.differs (warning).
"""

from __future__ import annotations

import difflib

import numpy as np

from imgkit.checks.qr_codes import find_qr_codes
from imgkit.checks.text_reading import TextLine, read_text
from imgkit.findings import ERROR, WARNING
from imgkit.main_image.copy_rules import banned_in, count_chars, links_in, normalise
from imgkit.profile import MainImage

#: px around a text area within which a read line's centre still counts as in it
AREA_MARGIN = 8
#: read text this unlike the spec's (difflib ratio on the normalised letters) is a warning
DIFFERS_BELOW = 0.7

LABELS = {"company": "company name", "copy": "copy"}


def read_back_rules(rgb: np.ndarray, m: MainImage, boxes: dict, spec: dict | None, add) -> str:
    """Judge the text and QR codes of ``rgb``; ``add(rule, severity, message)`` takes findings.
    Returns what was read, for the measure line."""
    for code in find_qr_codes(rgb):
        x, y, w, h = code.box
        what = f"reading {code.text!r}" if code.text else "(located, not decodable)"
        add("main.qr", ERROR, f"QR code at x {x}..{x + w - 1}, y {y}..{y + h - 1} {what}: "
            "main images may carry no QR codes")
    lines = read_text(rgb)
    for line in lines:
        where = _where(line)
        if hit := banned_in(line.text, m.banned_words):
            add("main.text.banned", ERROR, f"reads {line.text!r} {where}: banned word(s) {', '.join(hit)}")
        if hit := links_in(line.text, m.link_tlds, m.link_words):
            add("main.text.link", ERROR, f"reads {line.text!r} {where}: link or QR text {', '.join(hit)}")
    if m.kind == "service":
        roles = {role: _in_area(lines, boxes[role]) for role in ("company", "copy")}
        for role, read in roles.items():
            if not read:
                add("main.text.missing", ERROR, f"no {LABELS[role]} read in the {role} area {boxes[role]} "
                    "(x, y, w, h): rule S1 needs the company name and one line of copy")
        copy = "".join(t.text for t in roles["copy"])
        n = count_chars(copy, count_spaces=m.count_spaces, count_punctuation=m.count_punctuation)
        if n > m.copy_max_chars:
            add("main.copy.length", ERROR, f"the copy reads {copy!r}: {n} characters, at most {m.copy_max_chars}")
        if spec is not None:
            for role, read in roles.items():
                meant, seen = spec.get(role), " ".join(t.text for t in read)
                if read and isinstance(meant, str) and _ratio(meant, seen) < DIFFERS_BELOW:
                    add("main.text.differs", WARNING, f"the {LABELS[role]} reads {seen!r}, "
                        f"the spec says {meant!r}")
    shown = "; ".join(f"{t.text!r} ({t.score:.2f})" for t in lines)
    return f", text read: {shown}" if lines else ", no text read"


def _where(line: TextLine) -> str:
    x, y, w, h = line.box
    return f"at x {x}..{x + w - 1}, y {y}..{y + h - 1}"


def _in_area(lines, area) -> list[TextLine]:
    """The lines whose centre lies in ``area`` (x, y, w, h), left to right."""
    ax, ay, aw, ah = area
    m = AREA_MARGIN
    inside = [t for t in lines if ax - m <= t.centre[0] < ax + aw + m and ay - m <= t.centre[1] < ay + ah + m]
    return sorted(inside, key=lambda t: t.box[0])


def _ratio(a: str, b: str) -> float:
    key = lambda s: "".join(ch for ch in normalise(s) if ch.isalnum())  # noqa: E731
    return difflib.SequenceMatcher(None, key(a), key(b)).ratio()
