import { float32Json } from './prediction';

/** Alert v1 (on `alerts`, keyed by stream): an event whose value the model did not expect. */
export interface AlertV1 {
  readonly stream: string;
  /** The anomalous event's time (ms). */
  readonly ts: number;
  /** The rule that fired, e.g. 'residual_zscore'. */
  readonly rule: string;
  /** How unusual the event was (for residual_zscore: standard deviations above the stream's mean residual). */
  readonly score: number;
  /** The residual above which the stream alerted at that moment. */
  readonly threshold: number;
  /** RMS over the forecast features of forecast − actual. */
  readonly residual: number;
  /** The forecast the event was judged against (float32, as the prediction carried it), and what came. */
  readonly expected: ArrayLike<number>;
  readonly actual: ArrayLike<number>;
  /** The model version that made the forecast. */
  readonly model: { readonly name: string; readonly version: number };
}

const vector = (v: ArrayLike<number>): string => {
  let out = '';
  for (let j = 0; j < v.length; j++) out += (j === 0 ? '' : ',') + float32Json(v[j] ?? NaN);
  return `[${out}]`;
};

const number = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/** The JSON text of an alert, `{"v":1,...}`, fields in the order above. */
export function encodeAlert(a: AlertV1): string {
  return (
    `{"v":1,"stream":${JSON.stringify(a.stream)},"ts":${a.ts},"rule":${JSON.stringify(a.rule)},"score":${number(a.score)},` +
    `"threshold":${number(a.threshold)},"residual":${number(a.residual)},"expected":${vector(a.expected)},"actual":${vector(a.actual)},` +
    `"model":{"name":${JSON.stringify(a.model.name)},"version":${a.model.version}}}`
  );
}
