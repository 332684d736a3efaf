/** Prediction v1 (DESIGN.md, "Topics"): one per stepped event, on `predictions`, keyed by stream. */
export interface PredictionV1 {
  readonly stream: string;
  /** The event's time (ms). */
  readonly ts: number;
  /** Where the event was read: with `offset`, identifies it exactly once. */
  readonly partition: number;
  readonly offset: string;
  readonly model: { readonly name: string; readonly version: number };
  /** The head's float32 outputs (by default the forecast of the stream's next values). */
  readonly output: ArrayLike<number>;
  /** Fetch → prediction ready, in ms. */
  readonly latencyMs: number;
  /**
   * The alert threshold for the next event, in the units of the residual (root-mean-square
   * difference between this forecast and the next actual values over the forecast features): a
   * residual above it alerts. Absent while the stream's alert statistics are still warming up, and
   * for heads that are not forecasts.
   */
  readonly threshold?: number;
}

/**
 * The JSON text of a prediction, `{"v":1,...}`, fields in the order above. Written by hand
 * rather than with JSON.stringify because it runs once per event on the inference hot path:
 * the outputs are float32, and printing them as doubles gives 17 digits of which 8 are noise
 * (0.10000000149011612); 9 significant digits always read back as the same float32, at half the
 * formatting cost and about 60 fewer bytes per 8-wide prediction. Non-finite values become null,
 * as JSON.stringify would write them.
 */
export function encodePrediction(p: PredictionV1): string {
  let out = '';
  for (let j = 0; j < p.output.length; j++) out += (j === 0 ? '' : ',') + float32Json(p.output[j] ?? NaN);
  return (
    `{"v":1,"stream":${JSON.stringify(p.stream)},"ts":${p.ts},"partition":${p.partition},"offset":${JSON.stringify(p.offset)},` +
    `"model":{"name":${JSON.stringify(p.model.name)},"version":${p.model.version}},"output":[${out}],"latencyMs":${p.latencyMs}` +
    (p.threshold === undefined || !Number.isFinite(p.threshold) ? '}' : `,"threshold":${float32Json(p.threshold)}}`)
  );
}

/** A JSON number that reads back as the same float32: 9 significant digits (enough for any float32), trailing zeros dropped. */
export function float32Json(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  const s = x.toPrecision(9);
  const e = s.indexOf('e');
  const end = e === -1 ? s.length : e;
  // Zeros are only noise after a decimal point ("974648640" has none).
  const dot = s.indexOf('.');
  if (dot === -1 || dot > end) return s;
  let cut = end;
  while (s.charCodeAt(cut - 1) === 48 /* 0 */) cut--;
  if (s.charCodeAt(cut - 1) === 46 /* . */) cut--;
  return cut === end ? s : s.slice(0, cut) + s.slice(end);
}
