"""A font that really renders Chinese, for the main image's texts.

Order: the profile's ``[main_image] font`` (relative to the profile), then the font that
ships with imgkit (WenQuanYi Micro Hei in profiles/assets/fonts/), then — when the profile
allows ``font_fallback`` — a CJK font of the system (fontconfig ``fc-list :lang=zh``, then
the usual macOS, Windows and Linux places). A candidate counts only when 中 and 国 render
as two different glyphs, neither of them the font's .notdef (tofu) box, so a Latin-only
font that fontconfig offers for ``:lang=zh`` is passed over.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import ImageFont

from imgkit.errors import ConfigError
from imgkit.profile import SHIPPED_DIR, Profile

BUNDLED = SHIPPED_DIR / "assets" / "fonts" / "wqy-microhei.ttc"
SYSTEM_PATHS = (
    # macOS
    "/System/Library/Fonts/PingFang.ttc", "/System/Library/Fonts/STHeiti Medium.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc", "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
    # Windows
    "C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/simhei.ttf", "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msjh.ttc",
    # Linux distributions
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
HOW_TO_INSTALL = (
    "install one: Debian/Ubuntu `sudo apt-get install fonts-wqy-microhei` (or fonts-noto-cjk), "
    "Fedora `sudo dnf install wqy-microhei-fonts`, Alpine `apk add font-wqy-zenhei`; macOS and "
    "Windows have PingFang / Microsoft YaHei built in; or set [main_image] font = \"path/to/font.ttc\" "
    "in the profile (a path relative to the profile file)")


@dataclass(frozen=True)
class FontChoice:
    path: Path
    index: int
    source: str          # "profile", "bundled" or "system"
    note: str = ""       # said on stderr when the profile's own font was not used

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        return _font(str(self.path), self.index, size)

    @property
    def name(self) -> str:
        family, style = self.at(16).getname()
        return f"{family} {style}".strip()


@lru_cache(maxsize=64)
def _font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)


def glyph_mask(font: ImageFont.FreeTypeFont, text: str) -> np.ndarray:
    """The text's coverage as drawn by ``font`` (uint8, 0 = no ink)."""
    mask = font.getmask(text, mode="L")
    return np.asarray(mask, np.uint8).reshape(mask.size[1], mask.size[0])


def notdef_mask(font: ImageFont.FreeTypeFont) -> np.ndarray:
    """What the font draws for a character it lacks (a private-use code point): its .notdef."""
    return glyph_mask(font, "\U0010fffd")


def renders_chinese(path: Path, index: int = 0) -> bool:
    """True when 中 and 国 render as different, non-empty glyphs that are not .notdef."""
    try:
        font = _font(str(path), index, 48)
    except OSError:
        return False
    a, b, tofu = glyph_mask(font, "中"), glyph_mask(font, "国"), notdef_mask(font)
    return bool(a.any() and b.any() and not _same(a, b) and not _same(a, tofu) and not _same(b, tofu))


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    return x.shape == y.shape and np.array_equal(x, y)


def fontconfig_candidates() -> list[tuple[Path, int]]:
    """Fonts fontconfig lists for Chinese (empty without fontconfig)."""
    exe = shutil.which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, ":lang=zh", "-f", "%{file}|%{index}\n"], capture_output=True,
                             text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in sorted(set(out.splitlines())):
        file, _, index = line.partition("|")
        if file:
            found.append((Path(file), int(index) if index.isdigit() else 0))
    # prefer sans faces and regular weights, as a designer would
    found.sort(key=lambda c: ("sans" not in c[0].name.lower() and "hei" not in c[0].name.lower(),
                              "bold" in c[0].name.lower(), str(c[0])))
    return found


def find_font(profile: Profile, *, bundled: Path | None = BUNDLED, fontconfig: bool = True,
              system_paths: tuple[str, ...] = SYSTEM_PATHS) -> FontChoice:
    """The font for ``profile``'s main image; ``ConfigError`` (exit 2) when there is none."""
    m = profile.main_image
    tried = []
    note = ""
    if m.font:
        path = profile.asset(m.font, "main_image.font")
        if path.is_file() and renders_chinese(path, m.font_index):
            return FontChoice(path, m.font_index, "profile")
        why = "not found" if not path.is_file() else "cannot render Chinese"
        tried.append(f"profile font {path} ({why})")
        if not m.font_fallback:
            raise ConfigError(f"{profile.path}: [main_image] font {path}: {why} and font_fallback = false; "
                              f"{HOW_TO_INSTALL}")
        note = f"[main_image] font {path} {why}; using "
    candidates: list[tuple[Path, int, str]] = []
    if bundled is not None:
        candidates.append((bundled, 0, "bundled"))
    if m.font_fallback or not m.font:
        if fontconfig:
            candidates += [(p, i, "system") for p, i in fontconfig_candidates()]
        candidates += [(Path(p), 0, "system") for p in system_paths]
    for path, index, source in candidates:
        if path.is_file() and renders_chinese(path, index):
            choice = FontChoice(path, index, source)
            return FontChoice(path, index, source, note + f"{choice.name} ({path})" if note else "")
        tried.append(str(path))
    looked = "; ".join(tried[:6]) + (f" and {len(tried) - 6} more" if len(tried) > 6 else "")
    raise ConfigError(f"no font that renders Chinese was found (looked at: {looked or 'nothing'}); {HOW_TO_INSTALL}")
