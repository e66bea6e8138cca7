"""The colour part of report.html: each chart photo with its diagnostic image, method and ΔE2000
(before, in-sample after, leave-one-out), and before/after pairs of the photos it corrected.

Everything is read from the calibration files and the run's outcomes, never recomputed: the
calibration JSON holds both the in-sample (``mean_after``) and leave-one-out (``mean_loo``)
figures, whichever one the state records.
"""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path

from imgkit.report.previews import Previews, aspect_of

CHART_BOX = (240, 240)
DIAGNOSTIC_BOX = (560, 400)
PAIR_BOX = (220, 220)
#: before/after pairs shown per chart: enough to judge it; every corrected image carries its badge
MAX_PAIRS = 12
_NAME = re.compile(r"^(?P<scope>.+)-(?P<sha>[0-9a-f]{12})(?:-[0-9a-f]{8})?$")


def _calibration_id(path: Path) -> str | None:
    from imgkit.colour.calibration_file import calibration_id
    try:
        return calibration_id(path)
    except OSError:
        return None


def known_calibrations(root: Path, report: dict | None) -> dict[str, Path]:
    """Calibration files by id: those in ``root/calibration`` and any a run's outcomes name
    (``--calibration FILE`` lies outside the tree)."""
    files = sorted((root / "calibration").glob("*.json")) if (root / "calibration").is_dir() else []
    for f in (report or {}).get("files", []):
        if f.get("calibration", {}).get("file"):
            files.append(Path(f["calibration"]["file"]))
    found = {}
    for path in dict.fromkeys(files):
        cid = _calibration_id(path)
        if cid:
            found[cid] = path
    return found


def charts(root: Path, report: dict | None, corrected: dict[str, list[dict]], previews: Previews,
           page_dir: Path) -> list[dict]:
    """One entry per calibration in use (by this run's chart outcomes or by published images);
    ``corrected``: calibration id -> the detail files it corrected (``path``, ``raw``)."""
    by_id = known_calibrations(root, report)
    outcomes = {f["calibration"]["file"]: f for f in (report or {}).get("files", [])
                if f.get("status") == "chart" and f.get("calibration")}
    wanted = [cid for cid, path in by_id.items() if str(path) in outcomes or cid in corrected]
    out = []
    for cid in wanted:
        path = by_id[cid]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        outcome = outcomes.get(str(path), {})
        s = data.get("summary", {})
        m = _NAME.match(path.stem)
        scope = outcome.get("item") or (m and m["scope"]) or ""
        original = _original(root, path, outcome, m)
        source = outcome.get("source") or data.get("source", {}).get("path") or ""
        diagnostic = path.with_suffix(".png")
        out.append({
            "id": cid, "file": link(path, page_dir), "scope": "the whole session" if scope in ("", "_session")
            else scope, "source": source, "method": data.get("method", "?"),
            "falloff": bool(data.get("falloff")),
            "de": {"before": (s.get("mean_before"), s.get("max_before")),
                   "after": (s.get("mean_after"), s.get("max_after")),
                   "loo": (s.get("mean_loo"), s.get("max_loo"))},
            "clipped": s.get("clipped") or [],
            "photo": previews.get(original, CHART_BOX) if original else None,
            # the photo as given (the kept copy in calibration/ is an archive, not for the page)
            "photo_link": link(Path(source), page_dir) if source and Path(source).is_file() else None,
            "diagnostic": previews.get(diagnostic, DIAGNOSTIC_BOX) if diagnostic.is_file() else None,
            "diagnostic_link": link(diagnostic, page_dir) if diagnostic.is_file() else None,
            "pairs": [_pair(root, c, previews) for c in corrected.get(cid, [])[:MAX_PAIRS]],
            "corrected": len(corrected.get(cid, [])),
        })
    return out


def _original(root: Path, path: Path, outcome: dict, m) -> Path | None:
    """The kept chart photo: named by the outcome, else found by its scope and hash."""
    rel = outcome.get("calibration", {}).get("original")
    if rel and (root / rel).is_file():
        return root / rel
    if m:
        for p in sorted(path.parent.glob(glob.escape(f"{m['scope']}-{m['sha']}") + "-chart.*")):
            return p
    return None


def _pair(root: Path, c: dict, previews: Previews) -> dict:
    """A corrected photo: its raw copy (before) beside its detail image cut to the photo (after)."""
    raw = c.get("raw")
    aspect = aspect_of(raw) if raw else None
    return {"name": Path(c["path"]).stem, "delta_e": c.get("delta_e"),
            "before": previews.get(raw, PAIR_BOX) if raw else None,
            "after": previews.get(root / c["path"], PAIR_BOX, aspect=aspect)}


def raw_of(root: Path, detail_rel: str) -> Path | None:
    """The raw copy beside a detail image: raw/<ITEM>/<name>.<ext>, whatever the extension."""
    p = Path(detail_rel)
    folder = root / "raw" / p.parent.name
    if not folder.is_dir():
        return None
    for candidate in sorted(folder.glob(glob.escape(p.stem) + ".*")):
        return candidate
    return None


def link(path: Path, page_dir: Path) -> str:
    """A link from the page to ``path``: relative when it lies under the page's folder."""
    try:
        return path.resolve().relative_to(page_dir.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_uri()
