import { isRecord, readVersionedObject } from './versioned-json';

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

/** Why a `predictions` record could not be read as a prediction. */
export const predictionRejectReasons = ['malformed_json', 'unsupported_version', 'invalid_prediction'] as const;
export type PredictionRejectReason = (typeof predictionRejectReasons)[number];

/** A prediction as read back: the outputs come back as a plain array, so readers need not copy them. */
export type DecodedPrediction =
  | { readonly ok: true; readonly prediction: PredictionV1 & { readonly output: readonly number[] } }
  | { readonly ok: false; readonly reason: PredictionRejectReason; readonly detail: string };

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The outputs as encodePrediction writes them: numbers, with null for a non-finite float32 (read back as NaN). */
function outputsOf(v: unknown): number[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = new Array<number>(v.length);
  for (let j = 0; j < v.length; j++) {
    const x: unknown = v[j];
    if (typeof x === 'number') out[j] = x;
    else if (x === null) out[j] = NaN;
    else return undefined;
  }
  return out;
}

/**
 * Reads prediction v1 JSON as encodePrediction writes it; the one decoder every reader of
 * `predictions` shares, so "valid on the topic" means one thing. Anything else is refused with a
 * reason and a detail naming the first bad field, never thrown.
 */
export function decodePrediction(bytes: Buffer | string | null): DecodedPrediction {
  const refuse = (reason: PredictionRejectReason, detail: string): DecodedPrediction => ({ ok: false, reason, detail });
  const read = readVersionedObject(bytes);
  if (!read.ok) return refuse(read.reason === 'not_an_object' ? 'invalid_prediction' : read.reason, read.detail);
  const value = read.value;
  const { stream, ts, partition, offset, model, latencyMs, threshold } = value;
  if (typeof stream !== 'string' || stream === '') return refuse('invalid_prediction', '"stream" must be a non-empty string');
  if (!isFiniteNumber(ts)) return refuse('invalid_prediction', '"ts" must be a number (ms since the epoch)');
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0) return refuse('invalid_prediction', '"partition" must be a non-negative integer');
  // A string because Kafka offsets are int64 and may exceed 2^53.
  if (typeof offset !== 'string' || offset === '') return refuse('invalid_prediction', '"offset" must be a non-empty string');
  if (!isRecord(model) || typeof model.name !== 'string' || typeof model.version !== 'number' || !Number.isInteger(model.version)) {
    return refuse('invalid_prediction', '"model" must be {"name": string, "version": integer}');
  }
  const output = outputsOf(value.output);
  if (output === undefined) return refuse('invalid_prediction', '"output" must be an array of numbers (null for a non-finite value)');
  if (!isFiniteNumber(latencyMs)) return refuse('invalid_prediction', '"latencyMs" must be a number');
  // encodePrediction leaves threshold out while a stream warms up; present, it is always finite.
  if (threshold !== undefined && !isFiniteNumber(threshold)) return refuse('invalid_prediction', '"threshold" must be a number when present');
  const prediction = {
    stream,
    ts,
    partition,
    offset,
    model: { name: model.name, version: model.version },
    output,
    latencyMs,
    ...(threshold === undefined ? {} : { threshold }),
  };
  return { ok: true, prediction };
}
