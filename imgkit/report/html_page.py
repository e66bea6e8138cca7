"""report.html: the run's dashboard, one self-contained file opened from disk (no server, no
network; inline CSS and a few lines of JS), a pure renderer of the data it is handed.

``dashboard.build_content`` / ``validate_content`` gather that data: the summary strip (what
changed first), every input accounted for, the colour charts with their diagnostic images
and before/after pairs, and per item the images in a grid with their badges and findings,
its description page and main images. Thumbnails (``.imgkit/thumbs/`` of a build tree, else
``thumbs/``) and previews (``.imgkit/previews/`` or ``previews/``) are files beside the page,
lazily loaded. While a watch runs, ``report.js`` beside the page tells it to reload.
"""

from __future__ import annotations

import html
import json
import time
from pathlib import Path

from imgkit.naming import shown
from imgkit.report.html_style import CSS, JS, LIVE_JS
from imgkit.report.thumbnails import THUMB_BOX
from imgkit.store.files import atomic_write


def write(page: Path, content: dict) -> None:
    """The page; for a watch, then ``report.js`` with the page's stamp (the page reloads when it
    changes). Undecodable bytes of file names appear as \\xNN, as in report.json."""
    content = {**content, "stamp": f"{time.time_ns():x}" if content.get("watching") else ""}
    atomic_write(page, shown(render(content)).encode("utf-8"))
    if content["watching"]:
        write_live_stamp(page, content["stamp"], watching=True)


def write_live_stamp(page: Path, stamp: str | None, *, watching: bool) -> None:
    """``report.js`` beside the page: its stamp, and whether the watch still runs (``stamp``
    None: the one the last page was written with)."""
    stamp_file = page.with_name("report.js")
    if stamp is None:
        try:
            stamp = json.loads(stamp_file.read_text(encoding="utf-8").split("(", 1)[1].rsplit(")", 1)[0])["stamp"]
        except (OSError, ValueError, IndexError, KeyError):
            return
    data = {"stamp": stamp, "watching": watching, "at": time.strftime("%H:%M:%S")}
    atomic_write(stamp_file, f"imgkitReport({json.dumps(data)});\n".encode())


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} KB"


def _img(p: dict | None, alt: str, cls: str = "", hidden: bool = False) -> str:
    if not p:
        return '<div class="nothumb">no preview</div>'
    attrs = (' class="' + cls + '"' if cls else "") + (" hidden" if hidden else "")
    return (f'<img{attrs} loading="lazy" decoding="async" src="{_e(p["src"])}" width="{p["w"]}" '
            f'height="{p["h"]}" alt="{_e(alt)}">')


def _finding(f: dict) -> str:
    where = f"<b>{_e(Path(f['file']).name)}</b> " if f.get("file") else ""
    return f'<li class="{_e(f["severity"])}"><code>{_e(f["rule"])}</code> {where}{_e(f["message"])}</li>'


def _findings(found: list[dict]) -> str:
    return '<ul class="findings">' + "".join(map(_finding, found)) + "</ul>" if found else ""


def _cards(cards: list, label: str) -> str:
    out = [f'<span class="label">{_e(label)}</span>']
    for key, text, value, tone in cards:
        zero = " zero" if not value else ""
        out.append(f'<div class="card {key} {tone}{zero}"><span data-count="{key}">{value}</span>{_e(text)}</div>')
    return f'<div class="strip">{"".join(out)}</div>'


def _figure(f: dict) -> str:
    st = f["status"]
    if f.get("thumb"):
        tw, th = _thumb_size(f)
        img = (f'<img loading="lazy" decoding="async" src="{_e(f["thumb"])}" width="{tw}" height="{th}" '
               f'alt="{_e(f["name"])}">')
    else:
        img = '<div class="nothumb">no preview</div>'
    wm = f.get("watermark")
    tip = f"from {f['source']}" if f.get("source") else ""
    tip += f" · watermark score {wm['score']:.2f}" if wm else ""
    tags = "".join(f'<span class="tag {_e(c)}">{_e(t)}</span>' for c, t in f.get("badges", ()))
    tags = '<div class="tags">' + tags + "</div>" if tags else ""
    return (f'<figure class="{st}" data-status="{st}" data-name="{_e(f["name"])}" title="{_e(tip)}">{img}'
            f'<span class="badge {st}">{st}</span><figcaption><b>{_e(f["name"])}</b><br>'
            f'{f.get("width", "?")}×{f.get("height", "?")} · {_size(f.get("bytes", 0))}{tags}</figcaption>'
            f'{_findings(f["findings"])}</figure>')


def _thumb_size(f: dict) -> tuple[int, int]:
    w, h = f.get("width") or THUMB_BOX[0], f.get("height") or THUMB_BOX[1]
    scale = min(THUMB_BOX[0] / w, THUMB_BOX[1] / h, 1)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _extras(it: dict) -> str:
    parts = []
    if it.get("page"):
        pg = it["page"]
        slices = "".join(_img(s["preview"], s["name"]) for s in pg["slices"])
        link = f' · <a href="{_e(pg["html"])}">open</a>' if pg.get("html") else ""
        parts.append(f'<div class="page"><h3>description page ({len(pg["slices"])} slices){link}</h3>'
                     f'<div class="strip-page">{slices}</div></div>')
    for m in it.get("main", ()):
        parts.append(f'<div class="main"><h3>main image</h3>{_img(m["preview"], m["name"])}'
                     f'<span class="muted">{_e(m["name"])} · {_size(m["bytes"])}</span>'
                     f'{_findings(m["findings"])}</div>')
    return f'<aside class="extras">{"".join(parts)}</aside>' if parts else ""


def _item(it: dict) -> str:
    st = it["status"]
    seen = f" · first seen {_e(it['first_seen'][:10])}" if it.get("first_seen") else ""
    return (f'<section class="item {st}" data-status="{st}" data-item="{_e(it["item"])}">'
            f'<header><span class="badge {st}">{st}</span><h2>{_e(it["item"])}</h2>'
            f'<span class="title">{_e(it.get("title", ""))}</span>'
            f'<span class="muted">{len(it["files"])} images{seen}</span></header>'
            f'{_findings(it["findings"])}<div class="body">'
            f'<div class="grid">{"".join(_figure(f) for f in it["files"])}</div>{_extras(it)}</div></section>')


def _changes(c: dict) -> str:
    ch = c.get("changes")
    if ch is None:
        return ""
    lines = "".join(f'<li class="{_e(k)}"><span class="kind">{_e(KIND_WORDS.get(k, k))}</span>{_e(t)}</li>'
                    for k, t in ch["lines"])
    body = f'<ul class="plain changes">{lines}</ul>' if lines else '<p class="muted">Nothing changed in this run.</p>'
    before = f'<p class="muted">The run before: {_e(ch["previous"])}</p>' if ch.get("previous") else ""
    return f'<section class="panel" id="changes"><h2>What changed in this run</h2>{body}{before}</section>'


KIND_WORDS = {"processed": "new"}


def _inputs(c: dict) -> str:
    inp = c.get("inputs")
    if inp is None:
        return ""

    def block(title: str, cls: str, items: list[str]) -> str:
        if not items:
            return ""
        return f'<h3>{_e(title)} ({len(items)})</h3><ul class="plain {cls}">{"".join(items)}</ul>'
    parts = [
        block("Rejected", "rej", [f'<li class="rejected"><b>{_e(r["source"])}</b>: {_e(r["reason"])}</li>'
                                  for r in inp["rejected"]]),
        block("Errors after processing", "err", [f'<li class="error"><b>{_e(p["source"])}</b>: {_e(p["problem"])}</li>'
                                                 for p in inp["problems"]]),
        block("Product sheet warnings", "sheet", [f'<li class="warning">{_e(w)}</li>' for w in inp["warnings"]]),
        block("Gone", "gone", [f'<li class="gone"><b>{_e(g["name"])}</b> '
                               f'{"retired" if g["retired"] else "kept, its source is gone"}: {_e(g["source"])}</li>'
                               for g in inp["gone"]]),
        block("Duplicates", "dup", [f'<li><b>{_e(d["source"])}</b>: same bytes as {_e(d["of"])}'
                                    + (f" (published as {_e(d['as'])})" if d["as"] else "") + "</li>"
                                    for d in inp["duplicates"]]),
        block("Skipped", "skip", [f'<li><b>{_e(s["source"])}</b>: {_e(s["reason"])}</li>' for s in inp["skipped"]]),
    ]
    rows = "".join(f"<tr><td>{_e(s)}</td><td>{_e(st)}</td><td>{_e(r)}</td></tr>" for s, st, r in inp["rows"])
    table = (f'<details><summary>All {inp["total"]} inputs and what became of them</summary>'
             f'<table class="inputs">{rows}</table></details>')
    body = "".join(parts) or '<p class="muted">Every input was published or is up to date.</p>'
    return f'<section class="panel" id="inputs"><h2>Inputs ({inp["total"]})</h2>{body}{table}</section>'


def _de(pair) -> str:
    mean, top = pair
    return "–" if mean is None else f"{mean:.2f} (max {top:.2f})"


def _colour(c: dict) -> str:
    if not c.get("charts"):
        return ""
    out = []
    for ch in c["charts"]:
        de = ch["de"]
        pairs = "".join(
            f'<div class="pair" data-view="after">{_img(p["after"], p["name"] + " after", "after")}'
            f'{_img(p["before"], p["name"] + " before", "before", hidden=True)}<b>{_e(p["name"])}</b> '
            f'<span class="view">after</span> <button type="button">show before</button></div>'
            for p in ch["pairs"])
        photo = _img(ch["photo"], "chart photo") if ch["photo"] else ""
        photo = f'<a href="{_e(ch["photo_link"])}">{photo}</a>' if photo and ch["photo_link"] else photo
        diag = (f'<a href="{_e(ch["diagnostic_link"])}">{_img(ch["diagnostic"], "diagnostic")}</a>'
                if ch["diagnostic"] else "")
        extra = ch["corrected"] - len(ch["pairs"])
        more = f'<p class="muted">and {extra} more corrected images (badged "colour" below)</p>' if extra > 0 else ""
        clipped = f"<tr><th>clipped patches</th><td>{len(ch['clipped'])}</td></tr>" if ch["clipped"] else ""
        out.append(
            f'<div class="chart" data-chart="{_e(ch["id"])}">{photo}{diag}<table>'
            f'<tr><th>chart photo</th><td>{_e(Path(ch["source"]).name)}</td></tr>'
            f'<tr><th>corrects</th><td>{_e(ch["scope"])} ({ch["corrected"]} images)</td></tr>'
            f'<tr><th>method</th><td class="method">{_e(ch["method"])}{" + falloff" if ch["falloff"] else ""}</td></tr>'
            f'<tr><th>ΔE2000 before</th><td class="de before">{_de(de["before"])}</td></tr>'
            f'<tr><th>after, in-sample</th><td class="de after">{_de(de["after"])}</td></tr>'
            f'<tr><th>after, leave-one-out</th><td class="de loo">{_de(de["loo"])}</td></tr>{clipped}'
            f'<tr><td colspan="2"><a href="{_e(ch["file"])}">calibration file</a></td></tr></table>'
            f'<div class="pairs">{pairs}{more}</div></div>')
    toggles = ('<button type="button" data-all="before">all before</button> '
               '<button type="button" data-all="after">all after</button>')
    return (f'<section class="panel colour" id="colour"><h2>Colour charts ({len(c["charts"])})</h2>'
            f'{toggles}{"".join(out)}</section>')


def _packs(c: dict) -> str:
    """Marketplace packs (imgkit export): per platform, per item, each image with its bytes and
    the quality reached; refused white-background images with their reason."""
    if not c.get("packs"):
        return ""
    parts = []
    for p in c["packs"]:
        items = []
        for it in p["items"]:
            figs = "".join(
                f'<figure class="pack-file" data-kind="{_e(f["kind"])}">'
                f'{_img(f["thumb"], f["name"])}'
                f'<figcaption>{_e(Path(f["name"]).name)}<br><span class="muted">{_size(f["bytes"])}'
                f'{" · q " + str(f["quality"]) if f["quality"] is not None else ""}</span></figcaption></figure>'
                for f in it["files"])
            refused = "".join(f'<li class="finding error">{_e(r["name"])}: {_e(r["reason"])}</li>'
                              for r in it["refused"])
            items.append(f'<div class="pack-item" data-item="{_e(it["item"])}"><h3>{_e(it["item"])} '
                         f'<span class="muted">{len(it["files"])} images</span></h3>'
                         f'{f"<ul class=findings>{refused}</ul>" if refused else ""}'
                         f'<div class="grid">{figs}</div></div>')
        parts.append(f'<details class="pack" data-platform="{_e(p["platform"])}" open><summary>{_e(p["platform"])}'
                     f'</summary>{"".join(items)}</details>')
    return f'<section class="panel" id="packs"><h2>Marketplace packs</h2>{"".join(parts)}</section>'


def render(c: dict) -> str:
    meta = "".join(f"<span>{_e(k)} <b>{_e(v)}</b></span>" for k, v in c["meta"] if v)
    strips = (_cards(c["run"], "this run") if c["run"] else "") + _cards(c["listing"], "the listing")
    live = ('<p class="live" id="live">Live: this page reloads itself when the watch writes a new report.</p>'
            if c["watching"] else "")
    loose = "".join(_finding(f) for f in c["loose"])
    loose_main = "".join(f'<div class="main">{_img(m["preview"], m["name"])}<span class="muted">{_e(m["name"])}'
                         f'</span></div>' for m in c.get("main", ()))
    loose_html = (f'<section class="panel" id="loose"><h2>Not about one item</h2><ul class="findings">{loose}</ul>'
                  f'{loose_main}</section>') if loose or loose_main else ""
    note = f'<p class="note">{_e(c["note"])}</p>' if c.get("note") else ""
    rows = "".join(_item(it) for it in c["items"]) or '<p class="muted">no items</p>'
    return (
        f'<!doctype html>\n<html lang="en" data-stamp="{_e(c["stamp"])}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">'
        f'<title>{_e(c["title"])} · {_e(c["when"])}</title><style>{CSS}</style></head>\n<body><main>'
        f'<h1>{_e(c["title"])}</h1><p class="meta">{meta}</p>{live}{strips}{note}'
        f'{_changes(c)}{_inputs(c)}{_colour(c)}{_packs(c)}{loose_html}'
        f'<div class="bar"><span>Show</span>'
        + "".join(f'<button type="button" data-filter="{k}" aria-pressed="{str(k == "all").lower()}">{k}</button>'
                  for k in ("all", "fail", "warn", "pass"))
        + '<label>sort <select id="sort"><option value="item">by item</option>'
          '<option value="status">failing first</option></select></label></div>'
        f'<div id="items">{rows}</div></main><script>{JS}</script>'
        f'{f"<script>{LIVE_JS}</script>" if c["watching"] else ""}</body></html>\n')
