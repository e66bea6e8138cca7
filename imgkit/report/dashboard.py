"""What report.html shows, gathered into plain data for the renderer (``html_page.render``).

A build or watch page is made from the run (report.json's dict: every input and what became
of it, gone and renamed images, the sheet's warnings, backup problems), the listing as
validate judges it from the file headers, and the tree's state (what each image carries,
which calibration corrected it); ``validate --html`` from validate's data alone, plus the
tree's last run when there is one. Thumbnails and previews are made on the way; nothing
else is decoded.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from imgkit.report import colour_view, html_page, packs_view
from imgkit.report.previews import Previews, previews_dir
from imgkit.report.thumbnails import shown_size, thumbnail, thumbs_dir

SLICE_BOX = (150, 300)
MAIN_BOX = (150, 150)
CHANGES = ("processed", "replaced", "gone", "retired", "renamed")


def write_build_page(report: dict, validation: dict, out: Path, view, previous: dict | None) -> None:
    """``OUT/report.html`` after a build or a watch batch: ``report`` is the run's report.json,
    ``validation`` validate's ``as_dict`` of the tree from its headers (names, counts, sizes,
    formats, metadata; no pixel decoded except for new thumbnails and previews); the full rules
    (decode, watermark) run in ``imgkit validate``."""
    page = out / "report.html"
    html_page.write(page, build_content(report, validation, out, page, view, previous))
    if report.get("command") != "watch":   # a page that does not reload itself needs no stamp
        (out / "report.js").unlink(missing_ok=True)


def build_content(report: dict, validation: dict, root: Path, page: Path, view=None,
                  previous: dict | None = None) -> dict:
    """The page of a build or of a watch (``report["command"]``)."""
    command = report.get("command", "build")
    src, out = Path(report["src"]), Path(report["out"])
    content = _common(validation, root, page, view, report)
    s = report["summary"]
    problems = [{"source": f["source"], "problem": p} for f in report["files"] for p in f.get("problems", ())]
    run = [("processed", "processed", s.get("processed", 0), "change"),
           ("replaced", "replaced", s.get("replaced", 0), "change"),
           ("gone", "gone (kept)", s.get("gone", 0), "warn"),
           ("retired", "retired", s.get("retired", 0), "change"),
           ("renamed", "renamed", len(report.get("renamed", [])), "change"),
           ("up_to_date", "up to date", s.get("up_to_date", 0), ""),
           ("duplicate", "duplicates", s.get("duplicate", 0), ""),
           ("skipped", "skipped", s.get("skipped", 0), ""),
           ("rejected", "rejected", s.get("rejected", 0), "bad"),
           ("problems", "errors", len(problems), "bad"),
           ("run_warnings", "warnings", len(report.get("warnings", [])), "warn"),
           ("chart", "colour charts", s.get("chart", 0), "")]
    when = _local(report.get("generated"))
    title = f"imgkit {command} of {src.name} → {out.name}"
    meta = [("source", str(src)), ("output", str(out)), ("profile", report["profile"]["name"])]
    if command == "watch":
        meta.append(("watching since", _local(report.get("started"))))
    meta += [("written", when), ("elapsed", f"{s.get('elapsed_s', 0):.1f} s")]
    content.update(
        kind=command, title=title, when=when, meta=meta, run=run, watching=command == "watch",
        changes=_changes(report, previous), inputs=_inputs(report, src, problems), ok=s.get("ok", True),
        note=("Checked from the file headers (names, counts, sizes, formats, metadata); "
              "run `imgkit validate` for decoding and the watermark."))
    return content


def validate_content(validation: dict, root: Path, page: Path, view=None, report: dict | None = None) -> dict:
    """The page of ``validate --html``; ``report``: the tree's last run, whose inputs it lists too."""
    content = _common(validation, root, page, view, report, run_badges=False)
    when = _local(validation.get("generated"))
    meta = [("target", validation["target"]), ("profile", validation["profile"]["name"]), ("checked", when),
            ("elapsed", f"{validation['summary'].get('elapsed_s', 0):.1f} s")]
    inputs = None
    if report:
        problems = [{"source": f["source"], "problem": p} for f in report["files"] for p in f.get("problems", ())]
        inputs = _inputs(report, Path(report["src"]), problems)
        meta.append(("last run", f"{report.get('command', 'build')} of {report['src']} "
                                  f"({_local(report.get('generated')) or 'time not recorded'})"))
    content.update(kind="validate", title=f"imgkit validate of {Path(validation['target']).name}", when=when,
                   meta=meta, run=[], watching=False, changes=None, inputs=inputs, ok=validation["summary"]["ok"],
                   note="")
    return content


def _common(validation: dict, root: Path, page: Path, view, report: dict | None, run_badges: bool = True) -> dict:
    """The listing (items, their images, findings, pages, main images) and the colour charts;
    ``run_badges``: say which images ``report``'s run made or replaced."""
    thumbs_prefix = thumbs_dir(page)
    previews = Previews(page.parent / previews_dir(page), previews_dir(page))
    recorded = view.outputs if view is not None else {}
    run = {f["outputs"]["detail"]: f for f in (report or {}).get("files", [])
           if run_badges and f.get("outputs", {}).get("detail")}
    by_file: dict[str, list[dict]] = defaultdict(list)
    item_level: dict[str, list[dict]] = defaultdict(list)
    for f in validation["findings"]:
        if f.get("file") and f.get("item"):
            by_file[f["file"]].append(f)
        elif f.get("item"):
            item_level[f["item"]].append(f)
    corrected: dict[str, list[dict]] = defaultdict(list)
    mains = _main_images(root, validation, page.parent)
    items = []
    for it in validation["items"]:
        files, title = [], ""
        for f in it["files"]:
            cal, delta_e, deco = recorded.get(f["path"], (None, None, None))
            deco = json.loads(deco) if deco else {}
            if deco.get("facts") and not title:
                title = deco["facts"][0][1]
            outcome = run.get(f["path"], {})
            if cal:
                corrected[cal].append({"path": f["path"], "raw": colour_view.raw_of(root, f["path"]),
                                       "delta_e": delta_e})
            files.append({**f, "name": Path(f["path"]).name, "findings": by_file.get(f["path"], []),
                          "thumb": thumbnail(root / f["path"], page.parent / thumbs_prefix, f["path"], thumbs_prefix),
                          "source": outcome.get("source", ""), "badges": _badges(outcome, deco, cal, delta_e)})
        items.append({**it, "title": title, "files": files, "findings": item_level.get(it["item"], []),
                      "page": _page(root, it["item"], page.parent), "main": mains.pop(it["item"], [])})
    s = validation["summary"]
    listing = [("items_ready", "items ready", s["items_ready"], "good"),
               ("items_blocked", "items blocked", s["items_blocked"], "bad"),
               ("files", "images", s["files"], ""), ("errors", "errors", s["errors"], "bad"),
               ("warnings", "findings to look at", s["warnings"], "warn")]
    shown = {f"main/{m['name']}" for it in items for m in it["main"]}   # said under their item
    loose = [f for f in validation["findings"] if not f.get("item") and f.get("file") not in shown]
    return {"listing": listing, "items": items, "loose": loose, "main": [m for ms in mains.values() for m in ms],
            "charts": colour_view.charts(root, report, corrected, previews, page.parent), "stamp": "",
            "packs": packs_view.packs(root, page.parent / thumbs_prefix, thumbs_prefix)}


def _badges(outcome: dict, deco: dict, cal, delta_e) -> list[tuple[str, str]]:
    """(class, text) of what this run did to an image and what it carries."""
    badges = []
    if outcome.get("status") in ("processed", "replaced"):
        badges.append((outcome["status"], "new" if outcome["status"] == "processed" else "replaced"))
    if deco.get("facts"):
        badges.append(("facts", "facts"))
    if deco.get("caption"):
        badges.append(("caption", f"caption: {deco['caption']}"))
    for label in deco.get("marks", ()):
        badges.append(("mark", f"sold out: {label}"))
    if cal:
        badges.append(("colour", f"colour ΔE {delta_e:.1f}" if delta_e is not None else "colour"))
    return badges


def _page(root: Path, item: str, page_dir: Path) -> dict | None:
    """The item's description page: its slices, shown as they are (lazily loaded, scaled by
    the browser: no preview to make), and the HTML preview."""
    folder = root / "page" / item
    slices = sorted(folder.glob("*-page-[0-9]*.jpg")) if folder.is_dir() else []
    if not slices:
        return None
    html = folder / f"{item}-page.html"
    return {"html": colour_view.link(html, page_dir) if html.is_file() else None,
            "slices": [{"name": p.name, "preview": _as_is(p, page_dir, SLICE_BOX)} for p in slices]}


def _as_is(path: Path, page_dir: Path, box: tuple[int, int]) -> dict | None:
    """A picture shown from its own file, its size within ``box`` read from its header."""
    size = shown_size(path, box)
    return None if size is None else {"src": colour_view.link(path, page_dir), "w": size[0], "h": size[1]}


def _main_images(root: Path, validation: dict, page_dir: Path) -> dict[str, list[dict]]:
    """Main images of a build tree (``main/``) by item (their name starts with it), "" for the rest."""
    folder = root / "main"
    if not folder.is_dir():
        return {}
    items = sorted((it["item"] for it in validation["items"]), key=len, reverse=True)
    findings = defaultdict(list)
    for f in validation["findings"]:
        if f.get("file", "").startswith("main/"):
            findings[f["file"]].append(f)
    out: dict[str, list[dict]] = defaultdict(list)
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.suffix.lower() not in (".png", ".jpg", ".jpeg", ".webp") or p.name.startswith("."):
            continue
        rel = f"main/{p.name}"
        owner = next((i for i in items if p.stem.casefold().startswith(i.casefold())), "")
        out[owner].append({"name": p.name, "preview": _as_is(p, page_dir, MAIN_BOX), "findings": findings.get(rel, []),
                           "bytes": p.stat().st_size})
    return out


def _changes(report: dict, previous: dict | None) -> dict:
    """What this run changed, item by item, and when the run before it was."""
    lines = []
    by_item: dict[tuple[str, str], list[str]] = defaultdict(list)
    # a chart calibrated before (the same photo, the same calibration file) is no change
    charts_before = {(f["source"], f.get("calibration", {}).get("file")) for f in (previous or {}).get("files", [])
                     if f.get("status") == "chart"}
    for f in report["files"]:
        if f["status"] in ("processed", "replaced") and f.get("outputs", {}).get("detail"):
            by_item[(f["status"], f.get("item") or "")].append(Path(f["outputs"]["detail"]).stem)
        elif f["status"] == "chart" and (f["source"], f.get("calibration", {}).get("file")) not in charts_before:
            lines.append(("chart", f"{Path(f['source']).name} calibrates {f.get('item') or 'the session'}"))
    for (status, item), names in sorted(by_item.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        word = "new" if status == "processed" else "replaced"
        lines.append((status, f"{item}: {len(names)} {word} — {', '.join(names)}"))
    for g in report.get("gone", []):
        name = Path(g["output"]).stem or f"{g['item']} #{g['index']}"
        what = "retired (files in history; the item closed up)" if g.get("retired") else \
            "gone: its source is no longer there (kept; --prune retires it)"
        lines.append(("retired" if g.get("retired") else "gone", f"{name} {what} — source {g['source']}"))
    lines += [("renamed", f"renamed {r}") for r in report.get("renamed", [])]
    before = None
    if previous:
        ps = previous.get("summary", {})
        before = (f"{previous.get('command', 'build')} "
                  f"{('at ' + _local(previous['generated'])) if previous.get('generated') else ''}: "
                  f"{ps.get('processed', 0)} processed, {ps.get('replaced', 0)} replaced, "
                  f"{ps.get('rejected', 0)} rejected").replace("  ", " ")
    return {"lines": lines, "previous": before}


def _inputs(report: dict, src: Path, problems: list[dict]) -> dict:
    """Every input of the run: the ones that need a word listed by kind, and all in one table."""
    files = report["files"]

    def shown(path: str) -> str:
        try:
            return Path(path).relative_to(src).as_posix()
        except ValueError:
            return path
    published = {f["source"]: Path(f["outputs"]["detail"]).stem for f in files if f.get("outputs", {}).get("detail")}
    rows = []
    for f in files:
        chart = f"calibrates {f.get('item') or 'the session'}" if f["status"] == "chart" else ""
        result = (f.get("reason") or (f"same bytes as {shown(f['duplicate_of'])}" if f.get("duplicate_of") else "")
                  or f.get("outputs", {}).get("detail") or chart)
        rows.append((shown(f["source"]), f["status"], result))
    return {
        "total": len(files),
        "duplicates": [{"source": shown(f["source"]), "of": shown(f.get("duplicate_of") or ""),
                        "as": published.get(f.get("duplicate_of") or "", "")}
                       for f in files if f["status"] == "duplicate"],
        "skipped": [{"source": shown(f["source"]), "reason": f.get("reason", "")} for f in files
                    if f["status"] == "skipped"],
        "rejected": [{"source": shown(f["source"]), "reason": f.get("reason", "")} for f in files
                     if f["status"] == "rejected"],
        "gone": [{"name": Path(g["output"]).stem, "source": g["source"], "retired": g.get("retired", False)}
                 for g in report.get("gone", [])],
        "warnings": list(report.get("warnings", [])),
        "problems": [{"source": shown(p["source"]), "problem": p["problem"]} for p in problems],
        "rows": rows,
    }


def _local(iso: str | None) -> str:
    """An ISO 8601 time as local time, to the second (as the terminal's lines show it)."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso
