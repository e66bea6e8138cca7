"""``imgkit validate``: measure every delivered file once, then run ``rules.RULES``.

TARGET is a build tree (``detail/<ITEM>/<ITEM>-<NN>.jpg``; ``.imgkit/state.sqlite`` adds
first-seen times and recorded calibration ΔE, leave-one-out and in-sample) or any folder of images made by hand
(``<ITEM>-<NN>.jpg`` directly in it or in ``<ITEM>/`` folders). Measuring (decode, EXIF,
ICC, watermark match) is the only I/O; the rules judge the measured facts.
"""

from __future__ import annotations

import io
import json
import os
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

from imgkit import __version__
from imgkit.checks.rules import RULES, Context, FileFacts, ItemFacts, main_checks, run, template_regex
from imgkit.checks.watermark_match import Match, find_watermark, luma, template_from_rgba
from imgkit.errors import ConfigError
from imgkit.findings import ERROR, INFO, WARNING, Finding
from imgkit.imaging.codec import unreadable
from imgkit.imaging.watermark import drawn_width, placement, scaled_watermark, watermark_image
from imgkit.naming import is_ignored, item_from_filename
from imgkit.profile import Profile
from imgkit.store.state import TreeView, read_tree_view

SCHEMA_VERSION = 1
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
CAMERA_TAGS = {0x010F: "Make", 0x0110: "Model", 0xA431: "BodySerialNumber",
               0xA435: "LensSerialNumber", 0xC62F: "CameraSerialNumber", 0xA433: "LensMake",
               0xA434: "LensModel"}
XMP_SERIALS = (b"SerialNumber", b"aux:Serial", b"exif:GPSLatitude")


@dataclass
class Validation:
    target: Path
    tree: str                          # "build" | "folder" | "pack" (a marketplace pack: checks.pack_validate)
    profile: Profile
    items: list[ItemFacts]
    findings: list[Finding]
    loose: list[Finding] = field(default_factory=list)   # about files of no item (main/, strays)
    elapsed: float = 0.0
    generated: float = field(default_factory=time.time)
    rules: tuple = RULES               # the rules this validation ran (listed in --json)

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings + self.loose)


def is_build_tree(target: Path) -> bool:
    return (target / ".imgkit" / "state.sqlite").is_file() or (target / "detail").is_dir()


def validate(target: Path, profile: Profile, *, pixels: bool = True, jobs: int = 0,
             view: TreeView | None = None) -> Validation:
    """Measure and judge ``target``. ``pixels=False`` reads headers only (no decode check, no
    watermark search): what ``build`` can afford for its report. ``view``: the tree's state as
    read by the caller that holds it open (else it is read here, read-only)."""
    start = time.perf_counter()
    target = target.resolve()
    if not target.is_dir():
        raise ConfigError(f"{target}: not a folder")
    v = profile.validate
    if v.watermark_min_width >= v.watermark_max_width:
        raise ConfigError(f"{profile.path}: [validate] watermark_min_width must be below watermark_max_width")
    build = is_build_tree(target)
    root = target / "detail" if build else target
    if build and view is None:
        view = read_tree_view(target)
    view = view if build else None
    paths = _detail_files(root) if root.is_dir() else []
    mark = _mark(profile) if pixels else None
    regex = template_regex(profile.naming.template)

    def one(path: Path) -> FileFacts:
        rel = path.relative_to(target).as_posix()
        item, index, stem_ok = _name(path, root, regex, profile)
        facts = inspect(path, rel, item, index, stem_ok, profile, mark=mark, pixels=pixels)
        rec = view.outputs.get(rel) if view else None
        if rec:
            facts = replace(facts, calibration=rec[0], delta_e=rec[1], decoration=json.loads(rec[2] or "{}"),
                            delta_e_fit=view.fits.get(rel))
        return facts

    workers = jobs or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        facts = list(pool.map(one, paths))
    by_item: dict[str, list[FileFacts]] = {}
    loose_files = []
    for f in facts:
        (by_item.setdefault(f.item, []) if f.item else loose_files).append(f)
    items = [ItemFacts(item, tuple(sorted(fs, key=lambda f: (f.index is None, f.index or 0, f.path))),
                       view.first_seen.get(item) if view else None)
             for item, fs in sorted(by_item.items())]
    ctx = Context(profile, time.time(), has_state=view is not None, watermark_searched=mark is not None)
    findings = run(items, ctx)
    loose = run([ItemFacts("", tuple(loose_files))], ctx, tuple(r for r in RULES if r.scope == "file"))
    loose = [Finding(f.rule, f.severity, f.message, f.file, None) for f in loose]
    if build and (target / "main").is_dir() and pixels:
        loose += _main_findings(target, profile)
    return Validation(target, "build" if build else "folder", profile, items, findings, loose,
                      elapsed=time.perf_counter() - start)


def _detail_files(root: Path) -> list[Path]:
    """Files directly in ``root`` and one folder down, ignored names left out."""
    out = []
    for entry in sorted(root.iterdir()):
        if is_ignored(entry.name):
            continue
        if entry.is_dir():
            out += [p for p in sorted(entry.iterdir()) if p.is_file() and not is_ignored(p.name)]
        elif entry.is_file():
            out.append(entry)
    return out


def _name(path: Path, root: Path, regex, profile: Profile) -> tuple[str | None, int | None, bool]:
    """(item, index, name is exactly the template's) from a path under ``root``."""
    folder = path.parent.name if path.parent != root else None
    m = regex.match(path.stem)
    if m:
        item, index = m.group("item"), int(m.group("index"))
        exact = profile.naming.template.format(item=item, index=index) == path.stem
        if folder is not None and folder != item:
            return folder, None, False
        return item, index, exact
    if folder is not None:
        return folder, None, False
    try:
        return item_from_filename(path.stem, profile.naming.item_pattern), None, False
    except Exception:
        return None, None, False


def _mark(profile: Profile):
    im = watermark_image(profile)
    return None if im is None else template_from_rgba(np.asarray(im))


def inspect(path: Path, rel: str, item: str | None, index: int | None, stem_ok: bool,
            profile: Profile, *, mark=None, pixels: bool = True) -> FileFacts:
    """Measure one file: header, metadata, ICC; with ``pixels`` also decode and the watermark."""
    ext = path.suffix[1:]
    base = dict(path=rel, item=item, index=index, stem_ok=stem_ok, ext=ext)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileFacts(**base, decode_error=f"cannot read ({exc.strerror or exc})")
    base["bytes"] = len(data)
    try:
        im = Image.open(io.BytesIO(data))
    except Exception as exc:
        return FileFacts(**base, decode_error=unreadable(data, exc))
    exif = im.getexif()
    gps = bool(exif.get_ifd(GPS_IFD)) if GPS_IFD in exif else False
    tags = {**dict(exif), **dict(exif.get_ifd(EXIF_IFD))}
    camera = tuple(name for tag, name in CAMERA_TAGS.items() if str(tags.get(tag, "")).strip("\x00 "))
    xmp = im.info.get("xmp") or b""
    xmp = xmp.encode() if isinstance(xmp, str) else xmp
    gps = gps or b"GPSLatitude" in xmp
    if any(s in xmp for s in XMP_SERIALS[:2]):
        camera += ("XMP serial number",)
    icc, space = _icc(im.info.get("icc_profile"))
    facts = dict(base, format=im.format, width=im.width, height=im.height, mode=im.mode,
                 bits=_bits(im, data), icc=icc, icc_space=space, gps=gps, camera_tags=camera,
                 alpha=im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info)
    if not pixels:
        return FileFacts(**facts)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            im.load()
    except Exception as exc:
        return FileFacts(**facts, decode_error=unreadable(data, exc))
    match = None
    if mark is not None:
        match = _find(im, mark, profile)
    if profile.validate.read_text:
        facts.update(_read(im))
    return FileFacts(**facts, watermark=match)


def _read(im: Image.Image) -> dict:
    """What the picture says: its text (OCR) and its QR codes."""
    from imgkit.checks.qr_codes import find_qr_codes
    from imgkit.checks.text_reading import read_text
    rgb = np.asarray(im.convert("RGB"))
    return {"texts": read_text(rgb), "qr_codes": find_qr_codes(rgb)}


SEARCH_WIDTH = 1024  # wider pictures are searched at this width (a mark is tens of px at least)


def _find(im: Image.Image, mark, profile: Profile) -> Match:
    import cv2  # not at the top: build's header-only report must not load OpenCV
    gray = luma(np.asarray(im.convert("RGB")))
    h, w = gray.shape
    expected = drawn = None
    scaled = scaled_watermark(profile, w, h)
    if scaled is not None:   # where the drawer puts it, how wide (unrounded) and its very pixels
        x, y = placement(profile, w, h, scaled)
        expected, drawn = (x, y, drawn_width(profile, w, h)), template_from_rgba(scaled)
    f = min(1.0, SEARCH_WIDTH / w)
    if f < 1:
        gray = cv2.resize(gray, (SEARCH_WIDTH, max(1, round(h * f))), interpolation=cv2.INTER_AREA)
        expected = expected and (round(expected[0] * f), round(expected[1] * f), expected[2] * f)
    v = profile.validate
    m = find_watermark(gray, mark, expected=expected, drawn=drawn, accept=v.watermark_min_score,
                  min_width=v.watermark_min_width, max_width=v.watermark_max_width)
    if f < 1:
        m = Match(m.score, round(m.x / f), round(m.y / f), round(m.width / f), round(m.height / f))
    return m


def _icc(data: bytes | None) -> tuple[str | None, str | None]:
    if not data:
        return None, None
    try:
        prof = ImageCms.ImageCmsProfile(io.BytesIO(data))
        desc = (ImageCms.getProfileDescription(prof) or "").strip()
        space = prof.profile.xcolor_space.strip()
    except Exception:
        return "unreadable ICC profile", None
    return ("sRGB" if "srgb" in desc.lower().replace(" ", "").replace("-", "") else desc or "unnamed"), space


def _bits(im: Image.Image, data: bytes) -> int:
    if im.format == "PNG" and data[12:16] == b"IHDR":
        return data[24] if im.mode not in ("P", "1") else 8
    return {"I;16": 16, "I;16B": 16, "I": 32, "F": 32, "1": 1}.get(im.mode, 8)


def _main_findings(target: Path, profile: Profile) -> list[Finding]:
    out = []
    for path in sorted((target / "main").iterdir()):
        if path.is_file() and not is_ignored(path.name) and path.suffix.lower() != ".json":
            rel = path.relative_to(target).as_posix()
            for check in main_checks():
                out += [Finding(f.rule, f.severity, f.message, rel, f.item) for f in check(path, profile)]
    return out


# --- output -------------------------------------------------------------------------------

def status_of(findings: list[Finding]) -> str:
    sev = {f.severity for f in findings}
    return "fail" if ERROR in sev else "warn" if WARNING in sev else "pass"


def as_dict(v: Validation) -> dict:
    by_file: dict[str, list[Finding]] = {}
    by_item: dict[str, list[Finding]] = {}
    for f in v.findings:
        by_item.setdefault(f.item or "", []).append(f)
        if f.file:
            by_file.setdefault(f.file, []).append(f)
    items = []
    for it in v.items:
        files = []
        for f in it.files:
            d = {"path": f.path, "index": f.index, "width": f.width, "height": f.height,
                 "bytes": f.bytes, "format": f.format, "status": status_of(by_file.get(f.path, []))}
            if f.watermark is not None:
                m = f.watermark
                d["watermark"] = {"score": round(m.score, 3), "x": m.x, "y": m.y, "width": m.width, "height": m.height}
            if f.delta_e is not None:
                d["delta_e"] = round(f.delta_e, 2)
            if f.texts is not None:
                d["text_read"] = [t.text for t in f.texts]
            if f.delta_e_fit is not None:
                d["delta_e_fit"] = round(f.delta_e_fit, 2)
            files.append({k: val for k, val in d.items() if val is not None})
        entry = {"item": it.item, "status": status_of(by_item.get(it.item, [])), "files": files}
        if it.first_seen is not None:
            entry["first_seen"] = _iso(it.first_seen)
        items.append(entry)
    everything = v.findings + v.loose

    def count(severity: str) -> int:
        return sum(f.severity == severity for f in everything)

    failed_files = {f.file for f in everything if f.file and f.severity == ERROR}
    return {
        "schema": SCHEMA_VERSION, "kind": "validate", "imgkit": __version__,
        "target": str(v.target), "tree": v.tree, "generated": _iso(v.generated),
        "profile": {"name": v.profile.name, "path": str(v.profile.path), "fingerprint": v.profile.fingerprint},
        "summary": {"items": len(items), "items_ready": sum(i["status"] != "fail" for i in items),
                    "items_blocked": sum(i["status"] == "fail" for i in items),
                    "files": sum(len(it.files) for it in v.items), "files_failed": len(failed_files),
                    "errors": count(ERROR), "warnings": count(WARNING), "infos": count(INFO),
                    "elapsed_s": round(v.elapsed, 3), "ok": v.ok},
        "rules": [{"id": r.id, "severity": r.severity, "message": r.message} for r in v.rules],
        "items": items,
        "findings": [{k: val for k, val in vars(f).items() if val is not None} for f in everything],
    }


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def human_lines(v: Validation) -> list[str]:
    """Findings grouped by item for a terminal, then a summary line."""
    data = as_dict(v)
    lines = []
    by_item: dict[str, list[Finding]] = {}
    for f in v.findings:
        by_item.setdefault(f.item or "", []).append(f)
    for it in data["items"]:
        mine = by_item.get(it["item"], [])
        lines.append(f"{it['item']}: {it['status']} ({len(it['files'])} files)")
        for f in mine:
            where = f"{Path(f.file).name}: " if f.file else ""
            lines.append(f"  {f.severity:<7} {f.rule:<18} {where}{f.message}")
    if v.loose:
        lines.append("(no item):")
        lines += [f"  {f.severity:<7} {f.rule:<18} {f.file + ': ' if f.file else ''}{f.message}" for f in v.loose]
    s = data["summary"]
    lines.append(f"{s['items_ready']} of {s['items']} items ready, {s['items_blocked']} blocked; "
                 f"{s['files']} files, {s['files_failed']} failing; {s['errors']} errors, "
                 f"{s['warnings']} warnings in {s['elapsed_s']:.1f} s")
    return lines
