"""report.html's "Marketplace packs": per platform, per item, the pack's images as the state's
``exports`` table records them (``imgkit export``): a thumbnail, the bytes and the JPEG quality
reached, and the white-background images that were refused, with the reason."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from imgkit.naming import natural_key
from imgkit.report.thumbnails import THUMB_BOX, shown_size, thumbnail
from imgkit.store.state import export_rows, open_read_only

ORDER = {"white": 0, "main": 1, "tall": 2, "detail": 3}


def packs(root: Path, thumbs: Path, prefix: str) -> list[dict]:
    """[{platform, items: [{item, files: [{name, kind, bytes, quality, encoder, thumb}], refused:
    [{name, kind, reason}]}]}]; [] for a tree never exported (or no state)."""
    db = open_read_only(root)
    if db is None:
        return []
    try:
        rows = export_rows(db)
    except Exception:   # a state being written meanwhile, or damaged: the page does without
        return []
    finally:
        db.close()
    by: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        it = by[r.platform].setdefault(r.item, {"item": r.item, "files": [], "refused": []})
        if r.sha256 is None:
            it["refused"].append({"name": r.name, "kind": r.kind, "reason": r.reason or ""})
            continue
        rel = f"export/{r.platform}/{r.name}"
        it["files"].append({"name": r.name, "kind": r.kind, "bytes": r.bytes or 0, "quality": r.quality,
                            "encoder": r.encoder or "", "thumb": _thumb(root / rel, thumbs, rel, prefix)})
    out = []
    for platform in sorted(by):
        items = [by[platform][i] for i in sorted(by[platform], key=natural_key)]
        for it in items:
            it["files"].sort(key=lambda f: (ORDER.get(f["kind"], 9), f["name"]))
        out.append({"platform": platform, "items": items})
    return out


def _thumb(path: Path, thumbs: Path, rel: str, prefix: str) -> dict | None:
    """The cached WebP thumbnail and its size on the page (from the file's header)."""
    src = thumbnail(path, thumbs, rel, prefix)
    size = shown_size(path, THUMB_BOX) if src is not None else None
    return None if size is None else {"src": src, "w": size[0], "h": size[1]}
