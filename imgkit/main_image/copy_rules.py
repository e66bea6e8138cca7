"""The words on a main image (S1): character counting, banned words, link text.

Everything is judged on a normalised form, so that full-width letters (ＷＷＷ．), upper case
and characters slipped in between (官 方, 官-方, 官\\u200b方) do not get past the rules.

Counting (``count_chars``), after Unicode NFKC normalisation (full-width → half-width):

- a CJK character, kana, hangul, Latin letter or digit counts one (``Nike`` is 4);
- a symbol (¥, +, ★, an emoji) counts one;
- punctuation (Unicode P*: ，。！、-· % and the like) counts one when the profile's
  ``count_punctuation`` is true, else zero;
- a space counts one when ``count_spaces`` is true, else zero;
- zero-width and format characters, combining marks and variation selectors count zero.
"""

from __future__ import annotations

import re
import unicodedata

from imgkit.profile import MainImage
from imgkit.wording import banned_in, normalise
from imgkit.wording import key as _key
from imgkit.wording import kind as _kind

__all__ = ["banned_in", "count_chars", "links_in", "normalise", "text_problems"]


def count_chars(text: str, *, count_spaces: bool = False, count_punctuation: bool = True) -> int:
    """Characters of ``text`` as the copy-length rule counts them (see the module doc).

    >>> count_chars("正品保障 7天退换！", count_spaces=False, count_punctuation=True)
    9
    """
    counted = {"char": True, "space": count_spaces, "punct": count_punctuation, "none": False}
    return sum(1 for ch in unicodedata.normalize("NFKC", text) if counted[_kind(ch)])


def links_in(text: str, tlds: tuple[str, ...], words: tuple[str, ...] = ()) -> list[str]:
    """Link-like fragments in ``text``: http(s), ://, www., a domain ending in one of
    ``tlds`` (also written with full-width or ideographic dots, or spaced out), and
    QR-code wording from ``words`` (扫码, 二维码 …)."""
    compact = "".join(ch for ch in normalise(text) if not ch.isspace() and _kind(ch) != "none")
    found = []
    patterns = [r"(?<![a-z])https?(?![a-z])", r"://", r"(?<![a-z])www\."]
    if tlds:
        alts = "|".join(sorted((re.escape(t.casefold().lstrip(".")) for t in tlds), key=len, reverse=True))
        patterns.append(rf"(?:[0-9a-z\-]{{1,63}}\.)*(?:[0-9a-z\-]{{1,63}}|[\u3400-\u9fff]{{1,4}})\.(?:{alts})(?![a-z0-9])")
    for pattern in patterns:
        found += [m.group(0) for m in re.finditer(pattern, compact)]
    key = _key(text)
    found += [w for w in words if _key(w) and _key(w) in key]
    return list(dict.fromkeys(found))


def text_problems(company: str, copy: str, rules: MainImage) -> list[tuple[str, str]]:
    """Every reason the company name or the copy breaks the rules: ``(rule id, one line)``."""
    problems = []
    for role, text in (("company name", company), ("copy", copy)):
        if not text.strip():
            problems.append(("main.text.empty", f"the {role} is empty"))
        elif "\n" in text or "\r" in text:
            problems.append(("main.text.lines", f"the {role} must be one line: {text!r}"))
    n = count_chars(copy, count_spaces=rules.count_spaces, count_punctuation=rules.count_punctuation)
    if n > rules.copy_max_chars:
        problems.append(("main.copy.length", (f"copy {copy!r} is {n} characters, at most {rules.copy_max_chars} "
                                              f"allowed ({_how(rules)})")))
    for role, text in (("company name", company), ("copy", copy)):
        if hit := banned_in(text, rules.banned_words):
            problems.append(("main.text.banned", f"{role} {text!r} contains banned word(s): {', '.join(hit)}"))
        if hit := links_in(text, rules.link_tlds, rules.link_words):
            problems.append(("main.text.link", f"{role} {text!r} contains link or QR text: {', '.join(hit)}"))
    return problems


def _how(rules: MainImage) -> str:
    parts = ["CJK characters, letters, digits and symbols count one each"]
    parts.append("punctuation counts" if rules.count_punctuation else "punctuation is not counted")
    parts.append("spaces count" if rules.count_spaces else "spaces are not counted")
    return "; ".join(parts)
