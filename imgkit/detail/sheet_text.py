"""What the product sheet asks to draw, judged before anything is drawn: every character has a
font, and no banned word (the advertising-law terms of ``[main_image] banned_words``) slips
into a caption or the facts panel unsaid.

- A fact or caption with a character no font can draw is not drawn: the fact is left out of
  the panel, the image is published without that caption, and a warning names the line, the
  item, the field and the character (``U+XXXX``). Nothing is ever drawn as a box.
- A banned word is a warning (``[sheet] banned_words = "warn"``, the default) or refuses the
  sheet (``"refuse"``: exit 2 naming the line, item, field and word; nothing is written).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from imgkit.errors import ConfigError
from imgkit.imaging.text import Fonts, describe, profile_fonts, sure
from imgkit.profile import Profile
from imgkit.wording import banned_in


@dataclass(frozen=True)
class Screened:
    withheld: tuple[str, ...]            # fact fields not to draw
    selling_points: tuple[str, ...]      # with undrawable captions emptied
    notes: tuple[str, ...]               # warning lines
    refusals: tuple[str, ...]            # banned words under "refuse" (without ``where``)


def _texts(row, profile: Profile):
    """(field key, field as said in messages, text) of everything the row asks to draw."""
    if profile.facts.enabled:
        for name, label in zip(profile.facts.fields, profile.facts.labels, strict=True):
            if getattr(row, name):
                yield name, f"{label} ({name})", getattr(row, name)
    if profile.captions.enabled:
        for k, text in enumerate(row.selling_points, 1):
            if text:
                yield k, f"caption {k} (image {profile.naming.start + k:02d})", text


def screen(row, profile: Profile, where: str, fonts: Callable[[], Fonts] | None = None) -> Screened:
    """``where``: ``items.csv line 3``; ``fonts()``: the profile's fonts, loaded when first needed."""
    withheld, points, notes, refusals = [], list(row.selling_points), [], []
    mode, words = profile.sheet.banned_words, profile.main_image.banned_words
    fonts = fonts or (lambda: profile_fonts(profile))
    for key, field, text in _texts(row, profile):
        chars = [] if sure(text) else fonts().missing(text)
        if chars:
            if isinstance(key, int):
                points[key - 1] = ""
                what = "the image is published without this caption"
            else:
                withheld.append(key)
                what = "left out of the facts panel"
            notes.append(f"{where}: {row.item} {field} {text!r}: {describe(chars)} cannot be drawn by any font; {what}")
            continue
        hit = banned_in(text, words) if mode != "off" else []
        if hit:
            said = f"{row.item} {field} {text!r}: banned word{'s' if len(hit) > 1 else ''} {', '.join(hit)}"
            if mode == "refuse":
                refusals.append(said)
            else:
                notes.append(f'{where}: {said} (advertising law); drawn anyway, [sheet] banned_words = "warn"')
    return Screened(tuple(withheld), tuple(points), tuple(notes), tuple(refusals))


def screen_rows(rows: dict, profile: Profile, path) -> tuple[dict, tuple[str, ...]]:
    """The rows with what cannot be drawn taken out, and the warnings; ``ConfigError`` (exit 2)
    when a banned word is refused."""
    out, notes, refusals = {}, [], []
    fonts = lru_cache(maxsize=1)(lambda: profile_fonts(profile))
    for item, row in rows.items():
        s = screen(row, profile, f"{path.name} line {row.line}", fonts)
        out[item] = replace(row, withheld=s.withheld, selling_points=s.selling_points)
        notes += s.notes
        refusals += [(row.line, r) for r in s.refusals]
    if refusals:
        more = f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else ""
        line, said = refusals[0]
        raise ConfigError(f"{path}: line {line}: {said}{more}; [sheet] banned_words = \"refuse\": change the text, "
                          f"or set it to \"warn\"")
    return out, tuple(notes)
