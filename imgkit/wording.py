"""Words judged on a normalised form: banned words in the copy of main images and in the
product sheet's captions and facts (the same matching for both).

Full-width letters (ＷＷＷ．), upper case and characters slipped in between (官 方, 官-方,
官\\u200b方) do not get past: text and words are compared after Unicode NFKC, case folding and
dropping spaces, punctuation and invisible characters.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_DOTS = str.maketrans({"。": ".", "｡": ".", "․": ".", "﹒": "."})


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), case-folded, ideographic full stops read as dots."""
    return unicodedata.normalize("NFKC", text).translate(_DOTS).casefold()


def kind(ch: str) -> str:
    """``space``, ``punct``, ``none`` (invisible: format, control, combining) or ``char``."""
    cat = unicodedata.category(ch)
    if ch.isspace() or cat.startswith("Z"):
        return "space"
    if cat.startswith("P"):
        return "punct"
    if cat in ("Cf", "Cc", "Mn", "Me", "Mc"):
        return "none"
    return "char"


def key(text: str) -> str:
    """The normalised text without spaces, punctuation and invisible characters."""
    return "".join(ch for ch in normalise(text) if kind(ch) == "char")


@lru_cache(maxsize=16)
def _keys(words: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((w, key(w)) for w in words if key(w))


def banned_in(text: str, words: tuple[str, ...]) -> list[str]:
    """The banned ``words`` found in ``text`` (as written in the list), in list order."""
    k = key(text)
    return [w for w, wk in _keys(tuple(words)) if wk in k]
