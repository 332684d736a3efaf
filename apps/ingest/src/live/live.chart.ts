/**
 * The live view's chart, as browser JavaScript (inlined into the page; no build step, no CDN).
 * An SVG rather than a canvas: axes, band and markers stay in the DOM, where the browser test and
 * assistive tools can read them, and 300 points redraw in well under a frame.
 *
 * drawChart(svg, view) draws, for one feature of one stream: value and time axes, the actual
 * values, the forecast made one event earlier aligned with the event it forecast, the alert
 * threshold band, alert markers, and a strip of the model version that made each forecast.
 * Kept free of `${` and backticks: it lives in a TypeScript template string.
 */
export const chartScript = String.raw`
const SVG_NS = 'http://www.w3.org/2000/svg';
const M = { left: 72, right: 16, top: 22, bottom: 64 };
function el(parent, name, attrs, text) {
  const e = document.createElementNS(SVG_NS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  parent.appendChild(e);
  return e;
}
// Compact numbers for streams of any magnitude (1e-3 … 1e7).
function fmt(v) {
  if (v === null || v === undefined || !isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}
function niceStep(range, n) {
  const raw = range / n, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}
const TIME_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 216e5, 432e5, 864e5];
const pad2 = (n, w) => String(n).padStart(w || 2, '0');
function fmtTime(ts, step) {
  const d = new Date(ts);
  const s = pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  return step < 1000 ? s + '.' + pad2(d.getMilliseconds(), 3) : s;
}
const versionColor = (v) => 'hsl(' + ((v * 67) % 360) + ',55%,55%)';
// The forecast shown at event i was made at event i − 1 (a prediction names the event it was made at).
function aligned(view) {
  const f = view.feature, pts = [];
  for (let i = 0; i < view.events.length; i++) {
    const e = view.events[i], p = i > 0 ? view.preds.get(view.events[i - 1].ts) : undefined;
    const pt = { ts: e.ts, actual: e.values[f], prev: i > 0 ? view.events[i - 1].values[f] : undefined };
    // JSON writes a non-finite forecast as null, and isFinite(null) is true: test the type too.
    if (p && typeof p.output[f] === 'number' && isFinite(p.output[f])) {
      pt.forecast = p.output[f]; pt.version = p.version;
      // threshold is in residual units (RMS over the k forecast features): a deviation of one
      // feature alone alerts beyond threshold·√k.
      if (typeof p.threshold === 'number') pt.band = p.threshold * Math.sqrt(p.output.length);
    }
    pts.push(pt);
  }
  return pts;
}
function drawChart(svg, view) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const W = svg.viewBox.baseVal.width, H = svg.viewBox.baseVal.height;
  const pts = aligned(view);
  if (pts.length < 2) { el(svg, 'text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'waiting for events…'); return pts; }
  const t0 = pts[0].ts, t1 = Math.max(pts[pts.length - 1].ts, t0 + 1);
  let lo = Infinity, hi = -Infinity;
  for (const p of pts) for (const v of [p.actual, p.forecast]) if (v !== undefined && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  // A wide band (warm-up, a noisy stream) may widen the axis, by at most the data's own range.
  const span = hi - lo || Math.abs(hi) || 1;
  for (const p of pts) if (p.band !== undefined) { lo = Math.min(lo, Math.max(p.forecast - p.band, lo - span)); hi = Math.max(hi, Math.min(p.forecast + p.band, hi + span)); }
  const yStep = niceStep((hi - lo) || span, 5);
  lo = Math.floor(lo / yStep) * yStep; hi = Math.ceil(hi / yStep) * yStep;
  if (hi === lo) hi = lo + yStep;
  const x0 = M.left, x1 = W - M.right, y0 = H - M.bottom, y1 = M.top;
  const x = (ts) => x0 + ((ts - t0) / (t1 - t0)) * (x1 - x0);
  const y = (v) => y0 - ((v - lo) / (hi - lo)) * (y0 - y1);
  const defs = el(svg, 'defs', {}), clip = el(defs, 'clipPath', { id: 'plot' });
  el(clip, 'rect', { x: x0, y: y1, width: x1 - x0, height: y0 - y1 });

  const yAxis = el(svg, 'g', { class: 'axis axis-y' });
  for (let v = lo; v <= hi + yStep / 2; v += yStep) {
    el(yAxis, 'line', { x1: x0, x2: x1, y1: y(v), y2: y(v), class: 'grid' });
    el(yAxis, 'text', { x: x0 - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v));
  }
  el(yAxis, 'text', { x: 14, y: (y0 + y1) / 2, transform: 'rotate(-90 14 ' + (y0 + y1) / 2 + ')', 'text-anchor': 'middle', class: 'axis-title' }, 'value (feature ' + view.feature + ')');
  const xAxis = el(svg, 'g', { class: 'axis axis-x' });
  const tStep = TIME_STEPS.find((s) => (t1 - t0) / s <= 7) || 864e5;
  for (let t = Math.ceil(t0 / tStep) * tStep; t <= t1; t += tStep) {
    el(xAxis, 'line', { x1: x(t), x2: x(t), y1: y0, y2: y0 + 5 });
    el(xAxis, 'text', { x: x(t), y: y0 + 18, 'text-anchor': 'middle' }, fmtTime(t, tStep));
  }
  el(xAxis, 'line', { x1: x0, x2: x1, y1: y0, y2: y0 });
  el(xAxis, 'text', { x: x1, y: H - 4, 'text-anchor': 'end', class: 'axis-title' }, 'time (local)');

  const plot = el(svg, 'g', { 'clip-path': 'url(#plot)' });
  // The band: one polygon per run of consecutive events that have a threshold.
  let upper = [], lower = [];
  const flush = () => {
    if (upper.length > 0) el(plot, 'path', { class: 'band', d: 'M' + upper.concat(lower.reverse()).join('L') + 'Z' });
    upper = []; lower = [];
  };
  for (const p of pts) {
    if (p.band === undefined) { flush(); continue; }
    upper.push(x(p.ts).toFixed(1) + ',' + y(p.forecast + p.band).toFixed(1));
    lower.push(x(p.ts).toFixed(1) + ',' + y(p.forecast - p.band).toFixed(1));
  }
  flush();
  const line = (key, cls) => {
    let d = '', on = false;
    for (const p of pts) {
      const v = p[key];
      if (v === undefined || !isFinite(v)) { on = false; continue; }
      d += (on ? 'L' : 'M') + x(p.ts).toFixed(1) + ',' + y(v).toFixed(1); on = true;
    }
    if (d) el(plot, 'path', { class: cls, d: d });
  };
  line('actual', 'actual-line'); line('forecast', 'forecast-line');
  for (const p of pts) {
    const a = view.alerts.get(p.ts);
    if (!a || !isFinite(p.actual)) continue;
    const px = x(p.ts), py = y(p.actual);
    const m = el(plot, 'path', { class: 'alert-marker', d: 'M' + px + ',' + (py - 14) + 'l-6,10h12z' });
    el(m, 'title', {}, 'alert z=' + a.score.toFixed(2) + ' (model v' + a.version + ')');
  }

  // Which model version made each forecast; a dashed line where it changes.
  const strip = el(svg, 'g', { class: 'versions' }), sy = y0 + 28;
  el(strip, 'text', { x: x0 - 6, y: sy + 9, 'text-anchor': 'end', class: 'axis-title' }, 'model');
  let last;
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i];
    if (p.version === undefined) continue;
    const xa = i > 0 ? (x(pts[i - 1].ts) + x(p.ts)) / 2 : x(p.ts);
    const xb = i + 1 < pts.length ? (x(p.ts) + x(pts[i + 1].ts)) / 2 : x(p.ts) + 1;
    el(strip, 'rect', { x: xa, y: sy, width: Math.max(xb - xa, 1), height: 10, fill: versionColor(p.version), class: 'version-cell' });
    if (p.version !== last) {
      if (last !== undefined) el(svg, 'line', { class: 'version-change', x1: xa, x2: xa, y1: y1, y2: sy + 10 });
      el(strip, 'text', { x: xa + 2, y: sy + 22, class: 'version-label' }, 'v' + p.version);
      last = p.version;
    }
  }
  return pts;
}
`;
