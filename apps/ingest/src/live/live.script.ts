/**
 * The live view's page logic, as browser JavaScript inlined into the page: stream and feature
 * pickers, the server-sent events of the chosen stream, the error figures (polled once a second
 * from /live/stats and /live/streams/<id>/quality), the tooltip and the alert list.
 * Kept free of `${` and backticks: it lives in a TypeScript template string.
 */
export const pageScript = String.raw`
const $ = (id) => document.getElementById(id);
const POINTS = 300, MIN_SCORED = 10;
let source = null, events = [], preds = new Map(), alerts = new Map(), feature = 0, dirty = true, pts = [];
const wanted = new URLSearchParams(location.search).get('stream');

function reset() {
  events = []; preds = new Map(); alerts = new Map(); pts = [];
  $('alerts').innerHTML = ''; $('points').textContent = '0'; $('tooltip').hidden = true;
  showStream(undefined); dirty = true;
}
// Predictions and alerts are keyed by the time of the event they name, so the order in which the
// three topics' records arrive does not matter. Each map keeps what the chart can still show.
function trim(map) { if (map.size > POINTS + 50) map.delete(map.keys().next().value); }
function onItem(item) {
  if (item.kind === 'event') {
    if (item.values.length === 0) return;
    events.push(item);
    if (events.length > POINTS) events.shift();
    $('points').textContent = String(events.length);
    syncFeatures(item.values.length);
  } else if (item.kind === 'prediction') {
    preds.set(item.ts, item); trim(preds);
    $('version').textContent = String(item.version);
  } else if (item.kind === 'alert') {
    alerts.set(item.ts, item); trim(alerts);
    const li = document.createElement('li');
    li.textContent = fmtTime(item.ts, 1) + '  z=' + item.score.toFixed(2) +
      '  expected ' + item.expected.map(fmt).join(', ') + '  actual ' + item.actual.map(fmt).join(', ') + '  (model v' + item.version + ')';
    $('alerts').prepend(li);
    while ($('alerts').children.length > 50) $('alerts').lastChild.remove();
  }
  dirty = true;
}
function syncFeatures(width) {
  const sel = $('feature');
  if (sel.options.length === width) return;
  sel.innerHTML = '';
  for (let j = 0; j < width; j++) { const o = document.createElement('option'); o.value = String(j); o.textContent = 'feature ' + j; sel.appendChild(o); }
  if (feature >= width) feature = 0;
  sel.value = String(feature);
}
function draw() { if (!dirty) return; dirty = false; pts = drawChart($('chart'), { events: events, preds: preds, alerts: alerts, feature: feature }); }

const ratioText = (r) => (r === null || r === undefined ? '–' : fmt(r) + '×');
// One sentence a new user can read at a glance: does the model beat "the next value equals the last"?
function verdict(pair, scored) {
  if (!pair || scored < MIN_SCORED) return { cls: 'unknown', text: 'not enough forecasts yet (' + (scored || 0) + ' scored)' };
  if (pair.ratio === null) return pair.model === 0 ? { cls: 'even', text: 'as good as last-value (both exact)' } : { cls: 'bad', text: 'worse than last-value (last-value is exact here)' };
  if (pair.ratio < 1) return { cls: 'good', text: 'model beats last-value: its error is ' + ratioText(pair.ratio) + ' last-value\'s' };
  return { cls: 'bad', text: 'worse than last-value: its error is ' + ratioText(pair.ratio) + ' last-value\'s' };
}
function setVerdict(id, v) { const e = $(id); e.className = 'verdict ' + v.cls; e.textContent = (v.cls === 'good' ? '✔ ' : v.cls === 'bad' ? '✘ ' : '') + v.text; }
function cells(row, pair) {
  row.querySelector('.model').textContent = pair ? fmt(pair.model) : '–';
  row.querySelector('.naive').textContent = pair ? fmt(pair.naive) : '–';
  row.querySelector('.ratio').textContent = pair ? ratioText(pair.ratio) : '–';
}
function showStream(q) {
  setVerdict('stream-verdict', verdict(q && q.recent, q && q.scored));
  cells($('stream-recent'), q && q.recent); cells($('stream-since'), q && q.sinceStart);
  const f = q && q.features[feature];
  cells($('stream-feature'), f && f.recent);
  $('stream-scored').textContent = q ? String(q.scored) : '0';
  $('window').textContent = q ? String(q.window) : '100';
  const body = $('features'); body.innerHTML = '';
  (q ? q.features : []).forEach((f, j) => {
    const tr = document.createElement('tr'); tr.dataset.feature = String(j); if (j === feature) tr.className = 'picked';
    tr.innerHTML = '<td>feature ' + j + '</td><td class="model"></td><td class="naive"></td><td class="ratio"></td>';
    cells(tr, f.recent); tr.onclick = () => pickFeature(j); body.appendChild(tr);
  });
}
function showOverall(o) {
  const e = $('overall-verdict');
  if (!o || o.streams === 0) { e.className = 'verdict unknown'; e.textContent = 'no stream has enough forecasts yet'; }
  else {
    const v = verdict({ ratio: o.medianRatio, model: 1, naive: 0 }, MIN_SCORED);
    e.className = 'verdict ' + v.cls;
    e.textContent = (v.cls === 'good' ? '✔ model beats last-value on the median stream' : '✘ worse than last-value on the median stream') +
      ': beats it on ' + o.beating + ' of ' + o.streams + ' streams';
  }
  $('overall-median').textContent = ratioText(o && o.medianRatio);
  $('overall-p90').textContent = ratioText(o && o.p90Ratio);
  $('overall-since').textContent = ratioText(o && o.sinceStartMedianRatio);
}
function pickFeature(j) { feature = j; $('feature').value = String(j); dirty = true; refresh(); }
function follow(stream) {
  if (source) source.close();
  reset();
  if (!stream) return;
  history.replaceState(null, '', '?stream=' + encodeURIComponent(stream));
  source = new EventSource('/live/streams/' + encodeURIComponent(stream) + '/feed');
  source.onmessage = (m) => onItem(JSON.parse(m.data));
}
function addOption(sel, id) { const o = document.createElement('option'); o.value = o.textContent = id; sel.appendChild(o); }
async function refresh() {
  try {
    const s = await (await fetch('/live/stats')).json();
    $('eps').textContent = s.eventsPerSec; $('pps').textContent = s.predictionsPerSec; $('alertsTotal').textContent = s.alertsTotal;
    if (s.modelVersion) $('version').textContent = s.modelVersion;
    showOverall(s.quality);
    const streams = await (await fetch('/live/streams')).json(), sel = $('stream'), current = sel.value;
    // The picker holds the streams listed now (and the one shown): added only, it grew by every
    // stream that ever came and went, and so did this rebuild each second.
    const listed = new Set(streams);
    for (const o of [...sel.options]) if (!listed.has(o.value) && o.value !== current) o.remove();
    const have = new Set([...sel.options].map((o) => o.value));
    for (const id of streams) if (!have.has(id)) { addOption(sel, id); have.add(id); }
    if (!current && (wanted || streams.length)) {
      // ?stream= preselects a stream, even one not active lately.
      const id = wanted || streams[0];
      if (!have.has(id)) addOption(sel, id);
      sel.value = id; follow(id);
    }
    if (sel.value) {
      const r = await fetch('/live/streams/' + encodeURIComponent(sel.value) + '/quality');
      showStream(r.ok ? await r.json() : undefined);
    }
  } catch (e) { /* the service may be restarting; the next tick tries again */ }
}
function tooltip(ev) {
  const svg = $('chart'), tip = $('tooltip');
  if (pts.length < 2) { tip.hidden = true; return; }
  const box = svg.getBoundingClientRect(), W = svg.viewBox.baseVal.width;
  const px = ((ev.clientX - box.left) / box.width) * W;
  const t0 = pts[0].ts, t1 = Math.max(pts[pts.length - 1].ts, t0 + 1);
  const ts = t0 + ((px - M.left) / (W - M.left - M.right)) * (t1 - t0);
  let best = pts[0];
  for (const p of pts) if (Math.abs(p.ts - ts) < Math.abs(best.ts - ts)) best = p;
  const rows = [['time', fmtTime(best.ts, 1)], ['actual', fmt(best.actual)]];
  if (best.forecast !== undefined) {
    rows.push(['forecast', fmt(best.forecast) + ' (model v' + best.version + ', made one event earlier)']);
    rows.push(['model error', fmt(Math.abs(best.actual - best.forecast))]);
  }
  if (best.prev !== undefined) rows.push(['last-value error', fmt(Math.abs(best.actual - best.prev))]);
  if (best.band !== undefined) rows.push(['alert band', fmt(best.forecast - best.band) + ' … ' + fmt(best.forecast + best.band)]);
  tip.innerHTML = rows.map((r) => '<div><span>' + r[0] + '</span> ' + r[1].replace(/</g, '&lt;') + '</div>').join('');
  tip.hidden = false;
  tip.style.left = Math.min(ev.pageX + 14, window.innerWidth - 340) + 'px'; tip.style.top = (ev.pageY + 14) + 'px';
}
$('stream').addEventListener('change', (e) => follow(e.target.value));
$('feature').addEventListener('change', (e) => pickFeature(Number(e.target.value)));
$('chart').addEventListener('mousemove', tooltip);
$('chart').addEventListener('mouseleave', () => { $('tooltip').hidden = true; });
setInterval(refresh, 1000); setInterval(draw, 250); refresh();
`;
