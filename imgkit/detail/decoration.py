"""What is set on a detail image besides the photo: the facts panel (index 01, R6/R7), a
selling-point caption (02..N, R4) and sold-out labels (R11).

A ``Decoration`` is derived, never stored as truth: from the product sheet and the marks in
the state. Its ``key`` joins the output's fingerprint, so a changed sheet or mark re-renders
just the images it touches; its JSON is recorded with the source for ``mark`` and ``page``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from imgkit.detail.product_sheet import ProductSheet, Row
from imgkit.profile import Profile
from imgkit.profile.fingerprint import Fingerprint

#: bump when panels, captions or labels are drawn differently
#: (2: one text renderer with CJK and emoji fallbacks; text once drawn as boxes is drawn again)
DRAWING_VERSION = 2


@dataclass(frozen=True)
class Decoration:
    facts: tuple[tuple[str, str], ...] = ()   # (label, value) pairs, the first one the title
    caption: str = ""
    marks: tuple[str, ...] = ()               # sold-out label lines, e.g. "红色 已售罄"

    def __bool__(self) -> bool:
        return bool(self.facts or self.caption or self.marks)

    def as_json(self) -> dict:
        out: dict = {}
        if self.facts:
            out["facts"] = [list(pair) for pair in self.facts]
        if self.caption:
            out["caption"] = self.caption
        if self.marks:
            out["marks"] = list(self.marks)
        return out

    @classmethod
    def from_json(cls, data: dict | str | None) -> Decoration:
        if isinstance(data, str):
            data = json.loads(data)
        data = data or {}
        return cls(tuple((str(a), str(b)) for a, b in data.get("facts", ())), str(data.get("caption", "")),
                   tuple(str(m) for m in data.get("marks", ())))

    def key(self, profile: Profile) -> str:
        """Short hash of what is drawn and how: empty for a plain image."""
        if not self:
            return ""
        style = {"v": DRAWING_VERSION, "facts": asdict(profile.facts), "captions": asdict(profile.captions),
                 "mark": asdict(profile.mark), "font": [profile.main_image.font, profile.main_image.font_index]}
        blob = json.dumps([self.as_json(), style], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def facts_of(row: Row, profile: Profile) -> tuple[tuple[str, str], ...]:
    """The panel's lines for ``row``: the profile's fields in order, empty ones left out."""
    f = profile.facts
    return tuple((label, getattr(row, name)) for name, label in zip(f.fields, f.labels, strict=True)
                 if getattr(row, name) and name not in row.withheld)


class Decorations:
    """``get(item, index)``: the decoration an output should carry now."""

    def __init__(self, profile: Profile, sheet: ProductSheet | None = None,
                 marks: dict[tuple[str, int], tuple[str, ...]] | None = None):
        """``marks``: the sold-out label lines by (item, index), as ``imgkit mark`` recorded them."""
        self.profile, self.sheet, self.marks = profile, sheet, marks or {}
        self._marked_items = {item for item, _ in self.marks}

    def get(self, item: str, index: int) -> Decoration:
        p = self.profile
        row = self.sheet.get(item) if self.sheet else None
        facts: tuple[tuple[str, str], ...] = ()
        caption = ""
        if row is not None:
            position = index - p.naming.start          # 0 = the big image
            if position == 0 and p.facts.enabled:
                facts = facts_of(row, p)
            elif position >= 1 and p.captions.enabled and position <= len(row.selling_points):
                caption = row.selling_points[position - 1]
        return Decoration(facts, caption, self.marks.get((item, index), ()))

    def touches(self, item: str) -> bool:
        """Whether any image of ``item`` may carry a decoration (new photos keep their base)."""
        row = self.sheet.get(item) if self.sheet else None
        return item in self._marked_items or (row is not None and (
            (self.profile.facts.enabled and bool(facts_of(row, self.profile)))
            or (self.profile.captions.enabled and any(row.selling_points))))

    def fingerprint(self, base: str, item: str, index: int) -> str:
        """``base`` (the undecorated fingerprint) with the decoration of (item, index)."""
        return str(Fingerprint.parse(base).decorated(self.get(item, index).key(self.profile)))
