"""report.html's inline CSS and scripts: no network, no framework, works from file://."""

CSS = """
:root{--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--new:#0969da;--bg:#f6f8fa;--line:#d0d7de;--muted:#59636e}
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1f2328;background:#fff}
main{max-width:1800px;margin:0 auto;padding:16px 20px}h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:0}section.panel{margin:14px 0}section.panel>h2{margin-bottom:6px}
section.panel h3{font-size:13px;margin:8px 0 2px}
.muted,.meta{color:var(--muted)}.meta span{margin-right:14px}.meta b{font-weight:600}
.strip{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0}.strip .label{font-size:12px;color:var(--muted);\
align-self:center;width:64px}
.card{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:4px 10px;min-width:78px;\
font-size:12px}
.card span{display:block;font-size:20px;font-weight:600}.card.zero{opacity:.5}
.card.change:not(.zero) span{color:var(--new)}.card.bad:not(.zero) span{color:var(--fail)}
.card.warn:not(.zero) span{color:var(--warn)}.card.good:not(.zero) span{color:var(--pass)}
.card.change:not(.zero){border-color:var(--new)}.card.bad:not(.zero){border-color:var(--fail)}
ul.plain{margin:4px 0;padding-left:18px}ul.plain li{margin:2px 0}
li.new,li.processed{color:var(--new)}li.gone,li.warning{color:var(--warn)}li.rejected,li.error{color:var(--fail)}
.kind{display:inline-block;min-width:76px;font-size:11px;font-weight:600;text-transform:uppercase;color:var(--muted)}
table.inputs{border-collapse:collapse;font-size:12px}table.inputs td{padding:1px 10px 1px 0;vertical-align:top}
.bar{display:flex;gap:8px;align-items:center;margin:10px 0;position:sticky;top:0;background:#fff;\
padding:6px 0;z-index:2}
.bar button,.pair button,.colour>button{border:1px solid var(--line);background:var(--bg);border-radius:6px;\
padding:3px 10px;cursor:pointer}
.bar button[aria-pressed=true]{background:#1f2328;color:#fff}
.item{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:8px;margin:10px 0;padding:8px 12px}
.item.pass{border-left-color:var(--pass)}.item.warn{border-left-color:var(--warn)}.item.fail{border-left-color:var(--fail)}
.item>header{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}.item .title{font-weight:600}
.body{display:flex;gap:16px;align-items:flex-start;margin-top:6px}
.grid{flex:1;display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;align-items:start}
figure{position:relative;margin:0;border:2px solid var(--line);border-radius:6px;padding:4px;background:var(--bg)}
figure.fail{border-color:var(--fail)}figure.warn{border-color:var(--warn)}
figure img{display:block;margin:0 auto;max-width:100%;height:auto}figure>.badge{position:absolute;top:6px;left:6px}
figcaption{font-size:12px;color:var(--muted);margin-top:4px;word-break:break-all}figcaption b{color:#1f2328}
.nothumb{height:90px;display:flex;align-items:center;justify-content:center;color:var(--muted)}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:11px;font-weight:600;color:#fff;\
text-transform:uppercase}
.badge.pass{background:var(--pass)}.badge.warn{background:var(--warn)}.badge.fail{background:var(--fail)}
.tags{margin-top:3px}.tag{display:inline-block;font-size:11px;border-radius:4px;padding:0 5px;margin:1px 2px 0 0;\
background:#eaeef2;color:#1f2328;word-break:normal}
.tag.processed,.tag.replaced{background:var(--new);color:#fff}.tag.mark{background:#c62828;color:#fff}
.tag.colour{background:#ddf4ff}.tag.facts{background:#f5f2ed}
.findings{margin:4px 0 0;padding-left:16px;font-size:12px}.findings li.error{color:var(--fail)}
.findings li.warning{color:var(--warn)}.findings li.info{color:var(--muted)}.findings code{font-size:11px}
.extras{width:170px;flex:none}.extras h3{font-size:12px;margin:0 0 4px;color:var(--muted)}
.strip-page img{display:block;width:100%;height:auto}
.strip-page{border:1px solid var(--line);margin-bottom:8px;max-height:460px;overflow-y:auto}
.main img{display:block;max-width:100%;height:auto;margin-bottom:4px}
.colour .chart{display:flex;flex-wrap:wrap;gap:14px;border:1px solid var(--line);border-radius:8px;\
padding:10px;margin:8px 0}
.chart img{display:block;height:auto;max-width:100%}.chart table{border-collapse:collapse;font-size:13px}
.chart td,.chart th{padding:2px 10px 2px 0;text-align:left}.chart .de{font-variant-numeric:tabular-nums}
.pairs{display:flex;flex-wrap:wrap;gap:10px;width:100%}
.pair{border:1px solid var(--line);border-radius:6px;padding:4px;background:var(--bg);font-size:12px}
.pair img{display:block}.pair .view{font-weight:600}
.note{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:6px 10px}
.live{background:#ddf4ff;border:1px solid var(--new);border-radius:6px;padding:4px 10px;display:inline-block}
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
  function flip(pair,view){
    view=view||(pair.dataset.view==='after'?'before':'after');
    pair.dataset.view=view;
    pair.querySelector('img.before').hidden=view!=='before';
    pair.querySelector('img.after').hidden=view!=='after';
    pair.querySelector('.view').textContent=view;
    pair.querySelector('button').textContent=view==='after'?'show before':'show after';
  }
  document.querySelectorAll('.pair button').forEach(function(b){
    b.addEventListener('click',function(){flip(b.closest('.pair'));});});
  document.querySelectorAll('.colour>button[data-all]').forEach(function(b){
    b.addEventListener('click',function(){
      document.querySelectorAll('.pair').forEach(function(p){flip(p,b.dataset.all);});});});
})();
"""

#: while a watch runs: report.js (beside the page, rewritten with it) is loaded again every
#: two seconds; a new stamp reloads the page, a stopped watch ends the polling. A <script>
#: element is what a page opened from file:// may load (fetch and XHR of file:// are refused).
LIVE_JS = """
(function(){
  var stamp=document.documentElement.dataset.stamp,timer,live=document.getElementById('live');
  window.imgkitReport=function(d){
    if(d.stamp!==stamp){location.reload();return;}
    if(!d.watching){clearInterval(timer);live.textContent='The watch stopped at '+d.at+'; this page is final.';}
  };
  function poll(){
    var s=document.createElement('script');
    s.src='report.js?'+Date.now();
    s.onload=s.onerror=function(){s.remove();};
    document.head.appendChild(s);
  }
  timer=setInterval(poll,2000);
})();
"""
