"""report.html: one page per run, opened from disk, no server, no network.

Inline CSS and a few lines of JS (filter and sort by status); thumbnails are small WebP files
beside the page (at most 120x180 px, a few KB, ``loading="lazy"``): in ``.imgkit/thumbs/`` of
a build tree (kept out of the deliverables), else in ``thumbs/``. They are named by the file
they show (hashed) plus its size and mtime, so a re-run makes thumbnails only for what changed.
``build`` writes it from what it knows (headers, names, counts, rejections);
``validate --html`` writes it from every rule.
"""

from __future__ import annotations

import html
from pathlib import Path

from imgkit.naming import shown
from imgkit.report.thumbnails import THUMB_BOX, thumbnail, thumbs_dir
from imgkit.store.files import atomic_write


def view(data: dict, root: Path, page: Path, *, rejections: list[dict] = (), note: str = "",
         title: str = "imgkit report") -> dict:
    """The page's content from validate's ``as_dict`` output; thumbnails made on the way."""
    prefix = thumbs_dir(page)
    thumbs = page.parent / prefix
    by_file: dict[str, list[dict]] = {}
    item_level: dict[str, list[dict]] = {}
    for f in data["findings"]:
        if f.get("file"):
            by_file.setdefault(f["file"], []).append(f)
        else:
            item_level.setdefault(f.get("item") or "", []).append(f)
    items = []
    for it in data["items"]:
        files = []
        for f in it["files"]:
            thumb = thumbnail(root / f["path"], thumbs, f["path"], prefix)
            files.append({**f, "name": Path(f["path"]).name, "thumb": thumb,
                          "findings": by_file.get(f["path"], [])})
        items.append({**it, "files": files, "findings": item_level.get(it["item"], [])})
    loose = [f for f in data["findings"] if not f.get("item")]
    s = data["summary"]
    summary = {"items": s["items"], "items_ready": s["items_ready"], "items_blocked": s["items_blocked"],
               "files": s["files"], "files_failed": s["files_failed"], "rejected": len(rejections),
               "errors": s["errors"], "warnings": s["warnings"]}
    return {"title": title, "kind": data.get("kind", "validate"), "target": data["target"],
            "profile": data["profile"]["name"], "generated": data["generated"], "summary": summary,
            "items": items, "loose": loose, "rejections": list(rejections), "note": note}


def write(page: Path, content: dict) -> None:
    """Undecodable bytes of file names appear as \\xNN, as in report.json."""
    atomic_write(page, shown(render(content)).encode("utf-8"))


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} KB"


def _finding(f: dict) -> str:
    where = f"<b>{_e(Path(f['file']).name)}</b> " if f.get("file") else ""
    return (f'<li class="{_e(f["severity"])}"><code>{_e(f["rule"])}</code> {where}'
            f'{_e(f["message"])}</li>')


def _figure(f: dict) -> str:
    st = f["status"]
    dims = f"{f.get('width', '?')}×{f.get('height', '?')}"
    wm = f.get("watermark")
    tip = f' title="watermark score {wm["score"]:.2f}"' if wm else ""
    if f.get("thumb"):
        tw, th = _thumb_size(f)
        img = (f'<img loading="lazy" decoding="async" src="{_e(f["thumb"])}" width="{tw}" height="{th}" '
               f'alt="{_e(f["name"])}">')
    else:
        img = '<div class="nothumb">no preview</div>'
    return (f'<figure class="{st}" data-status="{st}"{tip}>{img}<span class="badge {st}">{st}</span>'
            f'<figcaption>{_e(f["name"])}<br>{dims} · {_size(f.get("bytes", 0))}</figcaption></figure>')


def _thumb_size(f: dict) -> tuple[int, int]:
    w, h = f.get("width") or THUMB_BOX[0], f.get("height") or THUMB_BOX[1]
    scale = min(THUMB_BOX[0] / w, THUMB_BOX[1] / h, 1)
    return max(1, round(w * scale)), max(1, round(h * scale))


def render(c: dict) -> str:
    s = c["summary"]
    rows = []
    for it in c["items"]:
        found = it["findings"] + [x for f in it["files"] for x in f["findings"]]
        notes = "".join(_finding(f) for f in found) or '<li class="ok">all rules pass</li>'
        rows.append(
            f'<section class="item {it["status"]}" data-status="{it["status"]}" data-item="{_e(it["item"])}">'
            f'<header><span class="badge {it["status"]}">{it["status"]}</span> <h2>{_e(it["item"])}</h2>'
            f'<span class="muted">{len(it["files"])} files</span></header>'
            f'<div class="row"><div class="thumbs">{"".join(_figure(f) for f in it["files"])}</div>'
            f'<ul class="findings">{notes}</ul></div></section>')
    rejected = "".join(f'<li><b>{_e(r["source"])}</b>: {_e(r.get("reason", ""))}</li>' for r in c["rejections"])
    loose = "".join(_finding(f) for f in c["loose"])
    cards = [("items_ready", "items ready"), ("items_blocked", "items blocked"), ("rejected", "files rejected"),
             ("files", "files"), ("errors", "errors"), ("warnings", "warnings")]
    card_html = "".join(f'<div class="card {k}"><span data-count="{k}">{s[k]}</span>{label}</div>'
                        for k, label in cards)
    return PAGE.format(
        title=_e(c["title"]), kind=_e(c["kind"]), target=_e(c["target"]), profile=_e(c["profile"]),
        generated=_e(c["generated"]), cards=card_html, note=f'<p class="note">{_e(c["note"])}</p>' if c["note"] else "",
        rejected=(f'<details open><summary>Files rejected ({len(c["rejections"])})</summary>'
                  f'<ul class="rej">{rejected}</ul></details>') if rejected else "",
        loose=(f'<details open><summary>Not about one item</summary>'
               f'<ul class="findings">{loose}</ul></details>') if loose else "",
        rows="".join(rows) or '<p class="muted">no items</p>', css=CSS, js=JS)


CSS = """
:root{--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--bg:#f6f8fa;--line:#d0d7de}
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1f2328;background:#fff}
main{max-width:1400px;margin:0 auto;padding:16px 20px}h1{font-size:20px;margin:0 0 4px}
.muted,.meta{color:#59636e}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px}
.card span{display:block;font-size:24px;font-weight:600}.card.items_blocked span,.card.rejected span{color:var(--fail)}
.card.items_ready span{color:var(--pass)}
.bar{display:flex;gap:8px;align-items:center;margin:10px 0;\
position:sticky;top:0;background:#fff;padding:6px 0;z-index:1}
.bar button{border:1px solid var(--line);background:var(--bg);border-radius:6px;padding:4px 10px;cursor:pointer}
.bar button[aria-pressed=true]{background:#1f2328;color:#fff}
.item{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:8px;margin:10px 0;padding:8px 12px}
.item.pass{border-left-color:var(--pass)}.item.warn{border-left-color:var(--warn)}.item.fail{border-left-color:var(--fail)}
.item header{display:flex;gap:10px;align-items:center}.item h2{font-size:16px;margin:0}
.row{display:flex;gap:16px;align-items:flex-start}.thumbs{display:flex;flex-wrap:wrap;gap:8px;flex:3;align-items:flex-start}
figure{position:relative;margin:0;width:128px;border:2px solid var(--line);\
border-radius:6px;padding:2px;background:var(--bg)}
figure.fail{border-color:var(--fail)}figure.warn{border-color:var(--warn)}
figure img{display:block;margin:0 auto;max-width:120px;height:auto}
figure .badge{position:absolute;top:4px;left:4px}
figcaption{font-size:11px;color:#59636e;text-align:center}
.nothumb{height:90px;display:flex;align-items:center;justify-content:center;color:#59636e}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:11px;\
font-weight:600;color:#fff;text-transform:uppercase}
.badge.pass{background:var(--pass)}.badge.warn{background:var(--warn)}.badge.fail{background:var(--fail)}
.findings{flex:2;margin:0;padding-left:18px}.findings li.error{color:var(--fail)}.findings li.warning{color:var(--warn)}
.findings li.ok{color:var(--pass);list-style:none;margin-left:-18px}.findings code{font-size:12px}
.rej li{margin:2px 0}.note{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:6px 10px}
[hidden]{display:none!important}
"""

JS = """
(function(){
  var list=document.getElementById('items'),buttons=document.querySelectorAll('.bar button[data-filter]');
  function show(which){
    buttons.forEach(function(b){b.setAttribute('aria-pressed',String(b.dataset.filter===which));});
    list.querySelectorAll('.item').forEach(function(s){s.hidden=which!=='all'&&s.dataset.status!==which;});
  }
  buttons.forEach(function(b){b.addEventListener('click',function(){show(b.dataset.filter);});});
  var rank={fail:0,warn:1,pass:2};
  document.getElementById('sort').addEventListener('change',function(e){
    var rows=Array.prototype.slice.call(list.querySelectorAll('.item'));
    rows.sort(function(a,b){
      if(e.target.value==='status'){var d=rank[a.dataset.status]-rank[b.dataset.status];if(d)return d;}
      return a.dataset.item<b.dataset.item?-1:a.dataset.item>b.dataset.item?1:0;
    });
    rows.forEach(function(r){list.appendChild(r);});
  });
})();
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title><style>{css}</style></head>
<body><main>
<h1>{title}</h1>
<p class="meta">{kind} of <code>{target}</code> · profile <b>{profile}</b> · {generated}</p>
<div class="cards">{cards}</div>
{note}{rejected}{loose}
<div class="bar"><span>Show</span>
<button type="button" data-filter="all" aria-pressed="true">all</button>
<button type="button" data-filter="fail" aria-pressed="false">fail</button>
<button type="button" data-filter="warn" aria-pressed="false">warn</button>
<button type="button" data-filter="pass" aria-pressed="false">pass</button>
<label>sort <select id="sort">\
<option value="item">by item</option><option value="status">failing first</option></select></label>
</div>
<div id="items">{rows}</div>
</main><script>{js}</script></body></html>
"""


def write_build_page(summary, data: dict) -> None:
    """``OUT/report.html`` after a build or a watch batch, from ``data`` (validate's ``as_dict``
    of the tree, headers only: names, counts, sizes, formats, metadata) plus this run's
    rejections; no pixel is decoded except for new thumbnails. The full rules (decode,
    watermark) run in ``imgkit validate``."""
    rejections = [{"source": o.source, "reason": o.reason or ""}
                  for o in summary.outcomes if o.status == "rejected"]
    note = ("Written by imgkit build: names, counts, sizes, formats and metadata are checked from "
            "the file headers; run `imgkit validate` for decoding and the watermark.")
    page = summary.out / "report.html"
    write(page, view(data, summary.out, page, rejections=rejections, note=note,
                     title=f"imgkit build report: {summary.out.name}"))
