/**
 * The live view: one self-contained page (no build step, no CDN). It lists streams, follows the
 * chosen one over server-sent events, and draws actual values against the forecast made one event
 * earlier, marking alerts.
 */
export const livePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>streamcell live</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font:14px system-ui,sans-serif;margin:0;background:#0f1419;color:#e6e6e6}
 header{display:flex;gap:24px;align-items:center;padding:12px 20px;background:#1a2029;flex-wrap:wrap}
 h1{font-size:18px;margin:0} .stat b{color:#7fd1ff} select{font-size:14px;padding:4px}
 main{padding:16px 20px} canvas{background:#151b23;border:1px solid #2a3340;width:100%;max-width:1100px;height:360px}
 .legend span{margin-right:16px} .actual{color:#7fd1ff} .forecast{color:#ffb454} .alert{color:#ff5c5c}
 #alerts{list-style:none;padding:0;max-width:1100px} #alerts li{padding:4px 8px;border-left:3px solid #ff5c5c;margin:4px 0;background:#1d1416}
</style></head>
<body>
<header><h1>streamcell — live</h1>
 <label>stream <select id="stream"><option value="">(waiting for events)</option></select></label>
 <span class="stat">model version <b id="version">–</b></span>
 <span class="stat">events/s <b id="eps">0</b></span>
 <span class="stat">predictions/s <b id="pps">0</b></span>
 <span class="stat">alerts <b id="alertsTotal">0</b></span>
 <span class="stat">points <b id="points">0</b></span>
</header>
<main>
 <div class="legend"><span class="actual">■ actual (feature 0)</span><span class="forecast">■ forecast</span><span class="alert">▲ alert</span></div>
 <canvas id="chart" width="1100" height="360"></canvas>
 <h2>Alerts for this stream</h2><ul id="alerts"></ul>
</main>
<script>
const $ = (id) => document.getElementById(id);
let source = null, actual = [], forecast = [], times = [], alerts = [];
// Predictions and alerts name the event they were made at (its ts); a prediction forecasts the
// event after that one, so it is drawn one position later.
const indexOf = (ts) => times.lastIndexOf(ts);
function reset(){ actual = []; forecast = []; times = []; alerts = []; $('alerts').innerHTML = ''; $('points').textContent = '0'; draw(); }
function onItem(item){
  if (item.kind === 'event') {
    actual.push(item.values[0]); times.push(item.ts);
    if (forecast.length < actual.length) forecast.push(null);
    if (actual.length > 300) { actual.shift(); forecast.shift(); times.shift(); alerts = alerts.map(a => a - 1).filter(a => a >= 0); }
    $('points').textContent = String(actual.length);
  } else if (item.kind === 'prediction') {
    const i = indexOf(item.ts);
    if (i >= 0) { while (forecast.length < i + 2) forecast.push(null); forecast[i + 1] = item.output[0]; }
    $('version').textContent = String(item.version);
  } else if (item.kind === 'alert') {
    const i = indexOf(item.ts);
    if (i >= 0) alerts.push(i);
    const li = document.createElement('li');
    li.textContent = new Date(item.ts).toISOString() + '  z=' + item.score.toFixed(2) + '  expected ' + item.expected[0].toFixed(3) + ' actual ' + item.actual[0].toFixed(3) + '  (model v' + item.version + ')';
    $('alerts').prepend(li);
  }
}
function draw(){
  const c = $('chart'), g = c.getContext('2d'); g.clearRect(0,0,c.width,c.height);
  const xs = actual.concat(forecast.filter(v => v !== null && v !== undefined));
  if (xs.length < 2) return;
  const lo = Math.min(...xs), hi = Math.max(...xs), pad = (hi - lo) * 0.1 || 1;
  const y = v => c.height - ((v - lo + pad) / (hi - lo + 2 * pad)) * c.height, x = i => (i / 299) * (c.width - 10) + 5;
  const line = (data, color) => { g.strokeStyle = color; g.lineWidth = 2; g.beginPath(); let on = false;
    data.forEach((v, i) => { if (v === null || v === undefined) { on = false; return; } if (!on) { g.moveTo(x(i), y(v)); on = true; } else g.lineTo(x(i), y(v)); }); g.stroke(); };
  line(actual, '#7fd1ff'); line(forecast, '#ffb454');
  g.fillStyle = '#ff5c5c'; alerts.forEach(i => { g.beginPath(); g.moveTo(x(i), y(actual[i]) - 12); g.lineTo(x(i) - 6, y(actual[i]) - 2); g.lineTo(x(i) + 6, y(actual[i]) - 2); g.fill(); });
}
function follow(stream){
  if (source) source.close();
  reset();
  if (!stream) return;
  source = new EventSource('/live/streams/' + encodeURIComponent(stream) + '/feed');
  source.onmessage = (m) => { onItem(JSON.parse(m.data)); };
}
async function refresh(){
  try {
    const s = await (await fetch('/live/stats')).json();
    $('eps').textContent = s.eventsPerSec; $('pps').textContent = s.predictionsPerSec; $('alertsTotal').textContent = s.alertsTotal;
    if (s.modelVersion) $('version').textContent = s.modelVersion;
    const streams = await (await fetch('/live/streams')).json(), sel = $('stream'), current = sel.value;
    const have = new Set([...sel.options].map(o => o.value));
    for (const id of streams) if (!have.has(id)) { const o = document.createElement('option'); o.value = o.textContent = id; sel.appendChild(o); }
    if (!current && streams.length) { sel.value = new URLSearchParams(location.search).get('stream') || streams[0]; follow(sel.value); }
  } catch (e) { /* the service may be restarting; try again */ }
}
$('stream').addEventListener('change', (e) => follow(e.target.value));
setInterval(refresh, 1000); setInterval(draw, 250); refresh();
</script></body></html>`;
