"""What an export did, as the ``--json`` document and the summary line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from imgkit import __version__
from imgkit.export.session import ExportSummary

SCHEMA_VERSION = 1


def as_dict(s: ExportSummary) -> dict:
    platforms = []
    for t in s.targets:
        files = [{k: v for k, v in {"item": f.item, "name": f.name, "kind": f.kind, "status": f.status,
                                    "bytes": f.bytes, "quality": f.quality, "encoder": f.encoder,
                                    "ssim": f.ssim, "cutout": f.figures}.items() if v is not None}
                 for f in s.files if f.platform == t.platform]
        platforms.append({
            "platform": t.platform, "profile": t.profile_name, "folder": f"export/{t.platform}", "files": files,
            "refused": [{"item": i, "name": n, "reason": r} for p, i, n, r in s.refused if p == t.platform],
            "skipped": [{"item": i, "reason": r} for p, i, r in s.skipped if p == t.platform],
            "removed": [n for p, n in s.removed if p == t.platform]})
    return {"schema": SCHEMA_VERSION, "kind": "export", "imgkit": __version__, "out": str(s.out.resolve()),
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "profile": {"name": s.shop.name, "path": str(s.shop.path), "fingerprint": s.shop.fingerprint},
            "summary": {"written": s.count("written"), "unchanged": s.count("unchanged"), "removed": len(s.removed),
                        "refused": len(s.refused), "skipped": len(s.skipped), "elapsed_s": round(s.elapsed, 2),
                        "ok": s.ok},
            "item_ms": {k: round(v, 1) for k, v in s.ms.items()},
            "platforms": platforms}


def to_json(s: ExportSummary) -> str:
    return json.dumps(as_dict(s), ensure_ascii=False, indent=1)


def summary_line(s: ExportSummary) -> str:
    return (f"imgkit: export: {s.count('written')} written, {s.count('unchanged')} unchanged, "
            f"{len(s.removed)} removed, {len(s.refused)} refused, {len(s.skipped)} skipped "
            f"({', '.join(t.platform for t in s.targets)}) in {s.elapsed:.1f} s -> {s.out / 'export'}")
