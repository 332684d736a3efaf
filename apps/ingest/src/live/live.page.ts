import { chartScript } from './live.chart';
import { pageScript } from './live.script';

const style = `
 body{font:14px system-ui,sans-serif;margin:0;background:#0f1419;color:#e6e6e6}
 header{display:flex;gap:20px;align-items:center;padding:12px 20px;background:#1a2029;flex-wrap:wrap}
 h1{font-size:18px;margin:0} h2{font-size:15px;margin:18px 0 6px} .stat b{color:#7fd1ff} select{font-size:14px;padding:4px}
 main{padding:12px 20px;max-width:1100px}
 .cards{display:grid;grid-template-columns:1fr 1fr;gap:12px} .card{background:#151b23;border:1px solid #2a3340;padding:10px 12px}
 .card h2{margin:0 0 6px} .verdict{font-size:16px;font-weight:600;margin-bottom:6px}
 .good{color:#5fd38a} .bad{color:#ff6b6b} .even,.unknown{color:#9aa5b1}
 table{border-collapse:collapse} td,th{padding:2px 10px 2px 0;text-align:right} td:first-child,th:first-child{text-align:left;color:#9aa5b1}
 #features tr{cursor:pointer} #features tr.picked td{color:#ffb454}
 svg{background:#151b23;border:1px solid #2a3340;width:100%;height:auto;display:block;margin-top:8px}
 .axis text{fill:#9aa5b1;font-size:11px} .axis line{stroke:#4a5563} .grid{stroke:#242c37!important} .axis-title{fill:#9aa5b1;font-size:11px}
 .empty{fill:#9aa5b1} .actual-line{fill:none;stroke:#7fd1ff;stroke-width:2} .forecast-line{fill:none;stroke:#ffb454;stroke-width:1.5;stroke-dasharray:5 3}
 .band{fill:#ffb454;fill-opacity:.14;stroke:none} .alert-marker{fill:#ff5c5c} .version-change{stroke:#c9a0ff;stroke-dasharray:2 3}
 .version-label{fill:#c9a0ff;font-size:11px}
 .legend span{margin-right:14px;white-space:nowrap} .actual{color:#7fd1ff} .forecast{color:#ffb454} .alert{color:#ff5c5c} .ver{color:#c9a0ff}
 .note{color:#9aa5b1;font-size:12px;max-width:1100px}
 #tooltip{position:absolute;background:#1a2029;border:1px solid #4a5563;padding:6px 8px;font-size:12px;pointer-events:none;max-width:320px}
 #tooltip span{color:#9aa5b1} #alerts{list-style:none;padding:0}
 #alerts li{padding:4px 8px;border-left:3px solid #ff5c5c;margin:4px 0;background:#1d1416;font-family:monospace;font-size:12px}
`;

const errorRows = (prefix: string): string =>
  [
    ['recent', `recent (≈ last <span id="window">100</span> events)`],
    ['since', 'since start'],
    ['feature', 'picked feature, recent'],
  ]
    .map(([id, label]) => `<tr id="${prefix}-${id}"><td>${label}</td><td class="model">–</td><td class="naive">–</td><td class="ratio">–</td></tr>`)
    .join('');

/**
 * The live view: one self-contained page (no build step, no CDN; inline CSS, SVG and script).
 * It lists streams (`?stream=<id>` preselects one), follows the chosen one over server-sent
 * events, says plainly whether the model beats last-value for that stream and across all streams,
 * and charts one feature (picker) with axes, the threshold band, alerts and model versions.
 */
export const livePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>streamcell live</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${style}</style></head>
<body>
<header><h1>streamcell — live</h1>
 <label>stream <select id="stream"><option value="">(waiting for events)</option></select></label>
 <label>feature <select id="feature"></select></label>
 <span class="stat">model version <b id="version">–</b></span>
 <span class="stat">events/s <b id="eps">0</b></span>
 <span class="stat">predictions/s <b id="pps">0</b></span>
 <span class="stat">alerts <b id="alertsTotal">0</b></span>
 <span class="stat">points <b id="points">0</b></span>
</header>
<main>
 <div class="cards">
  <section class="card"><h2>This stream</h2><div id="stream-verdict" class="verdict unknown">–</div>
   <table><thead><tr><th>mean absolute error</th><th>model</th><th>last-value</th><th>ratio</th></tr></thead>
   <tbody>${errorRows('stream')}</tbody></table>
   <div class="note"><b id="stream-scored">0</b> events scored</div></section>
  <section class="card"><h2>All streams followed</h2><div id="overall-verdict" class="verdict unknown">–</div>
   <table><tbody>
    <tr><td>median of per-stream ratios, recent</td><td id="overall-median">–</td></tr>
    <tr><td>90th percentile (the worst tenth)</td><td id="overall-p90">–</td></tr>
    <tr><td>median of per-stream ratios, since start</td><td id="overall-since">–</td></tr>
   </tbody></table>
   <div class="note">Each stream's ratio is relative to its own last-value error, so streams of any magnitude count alike.</div></section>
 </div>
 <div class="legend" style="margin-top:12px"><span class="actual">━ actual</span><span class="forecast">╍ forecast (made one event earlier)</span>
  <span class="forecast">▒ alert threshold band</span><span class="alert">▲ alert</span><span class="ver">┆ model version change</span></div>
 <svg id="chart" viewBox="0 0 1100 400" role="img" aria-label="actual values against forecasts"></svg>
 <div id="tooltip" hidden></div>
 <p class="note">Model error = |actual − forecast made at the previous event|; last-value error = |actual − previous actual|,
  per feature, over the same events. Ratio = model ÷ last-value: below 1× the model earns its keep. "Recent" is an
  exponentially weighted mean. Output j is read as the forecast of feature j (the default mapping). The band is
  forecast ± threshold·√k: the alert threshold is on the root-mean-square residual over the k forecast features,
  so one feature alone alerts beyond threshold·√k (no band while the stream's alert statistics warm up).</p>
 <h2>Features of this stream (recent; click to chart)</h2>
 <table><thead><tr><th>feature</th><th>model</th><th>last-value</th><th>ratio</th></tr></thead><tbody id="features"></tbody></table>
 <h2>Alerts for this stream</h2><ul id="alerts"></ul>
</main>
<script>${chartScript}${pageScript}</script></body></html>`;
