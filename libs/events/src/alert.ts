import { float32Json } from './prediction';
import { isWellFormed, MAX_TS } from './validate';
import { isRecord, readVersionedObject } from './versioned-json';

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

/** Why an `alerts` record could not be read as an alert (the dead-letter reason on `alerts.dlq`). */
export const alertRejectReasons = ['malformed_json', 'unsupported_version', 'invalid_alert'] as const;
export type AlertRejectReason = (typeof alertRejectReasons)[number];

/** As with predictions, the vectors come back as plain arrays, so readers need not copy them. */
export type DecodedAlert =
  | { readonly ok: true; readonly alert: AlertV1 & { readonly expected: readonly number[]; readonly actual: readonly number[] } }
  | { readonly ok: false; readonly reason: AlertRejectReason; readonly detail: string };

/** encodeAlert writes a non-finite number as null; read it back as NaN rather than refuse the alert. */
const numberOrNull = (v: unknown): number | undefined => (typeof v === 'number' ? v : v === null ? NaN : undefined);

/**
 * Reads alert v1 JSON as encodeAlert writes it; the one decoder every reader shares. Anything else
 * is refused with a reason and a detail naming the first bad field, never thrown.
 */
export function decodeAlert(bytes: Buffer | string | null): DecodedAlert {
  const refuse = (reason: AlertRejectReason, detail: string): DecodedAlert => ({ ok: false, reason, detail });
  const read = readVersionedObject(bytes);
  if (!read.ok) return refuse(read.reason === 'not_an_object' ? 'invalid_alert' : read.reason, read.detail);
  const value = read.value;
  const { stream, ts, rule, model } = value;
  if (typeof stream !== 'string' || stream === '') return refuse('invalid_alert', '"stream" must be a non-empty string');
  // A lone surrogate cannot be put in a URL (the live-view link) or in UTF-8 without loss.
  if (!isWellFormed(stream)) return refuse('invalid_alert', '"stream" holds a lone UTF-16 surrogate');
  // Past a Date's range, formatting the alert's time (startsAt) would throw in every target.
  if (typeof ts !== 'number' || !(Math.abs(ts) <= MAX_TS)) return refuse('invalid_alert', `"ts" must be a number of ms since the epoch within ±${MAX_TS}`);
  if (typeof rule !== 'string' || rule === '') return refuse('invalid_alert', '"rule" must be a non-empty string');
  const score = numberOrNull(value.score);
  const threshold = numberOrNull(value.threshold);
  const residual = numberOrNull(value.residual);
  if (score === undefined || threshold === undefined || residual === undefined) return refuse('invalid_alert', '"score", "threshold" and "residual" must be numbers');
  const vectorOf = (v: unknown): number[] | undefined => {
    if (!Array.isArray(v)) return undefined;
    const out: number[] = [];
    for (const x of v as unknown[]) {
      const n = numberOrNull(x);
      if (n === undefined) return undefined;
      out.push(n);
    }
    return out;
  };
  const expected = vectorOf(value.expected);
  const actual = vectorOf(value.actual);
  if (expected === undefined || actual === undefined) return refuse('invalid_alert', '"expected" and "actual" must be arrays of numbers');
  if (!isRecord(model) || typeof model.name !== 'string' || typeof model.version !== 'number' || !Number.isInteger(model.version)) {
    return refuse('invalid_alert', '"model" must be {"name": string, "version": integer}');
  }
  return { ok: true, alert: { stream, ts, rule, score, threshold, residual, expected, actual, model: { name: model.name, version: model.version } } };
}
