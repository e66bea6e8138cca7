"""What validation rules judge and how a rule is declared: the facts measured about a file and
an item, the context of a run, and ``Rule`` (id, severity, scope, check)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from imgkit.findings import Finding
from imgkit.profile import Profile


@dataclass(frozen=True)
class FileFacts:
    """What was measured about one delivered file (``None``: not measured)."""

    path: str                        # relative to the target, '/'-separated
    item: str | None
    index: int | None
    stem_ok: bool = True             # the name is exactly the template's name for (item, index)
    ext: str = ""
    bytes: int = 0
    format: str | None = None
    width: int | None = None
    height: int | None = None
    mode: str | None = None
    bits: int | None = None
    alpha: bool = False              # an alpha channel or transparency
    icc: str | None = None           # None: no profile; "sRGB"; else its description
    icc_space: str | None = None     # colour space of the ICC profile ("RGB", "CMYK", "GRAY")
    gps: bool = False
    camera_tags: tuple[str, ...] = ()
    decode_error: str | None = None
    watermark: object | None = None  # core.measure.Match, when searched
    delta_e: float | None = None     # the calibration's mean ΔE2000, leave-one-out, recorded by build (R8)
    delta_e_fit: float | None = None  # and in-sample (the fit judged on the patches it saw)
    calibration: str | None = None
    decoration: dict | None = None   # what build drew on it (facts, caption, marks); None: unknown
    texts: tuple | None = None       # text_reading.TextLine values read by OCR; None: not read
    qr_codes: tuple | None = None    # qr_codes.QrCode values found; None: not searched


@dataclass(frozen=True)
class ItemFacts:
    item: str
    files: tuple[FileFacts, ...]
    first_seen: float | None = None  # epoch seconds, from the build state


@dataclass(frozen=True)
class Context:
    profile: Profile
    now: float
    has_state: bool = False
    watermark_searched: bool = True  # False when the profile has no mark or pixels were not read


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    message: str
    scope: str                       # "file" | "item" | "overdue" (item, after the others)
    check: Callable = field(repr=False)

    def at(self, message: str, *, file: str | None = None, item: str | None = None) -> Finding:
        return Finding(self.id, self.severity, message, file, item)
