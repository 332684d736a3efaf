import { describeValue } from './describe-value';
import type { EventV1, Rejection, Validated } from './event';
import { float32Max, isModelNumber } from './model-number';

export interface ValidationRules {
  /** Required length of `values` (the model's input width). */
  readonly width: number;
  /** Longest accepted stream id, in characters. */
  readonly maxStreamIdLength: number;
  /** Accepted stream id characters. */
  readonly streamIdPattern: RegExp;
  /** How far in the future an event time may be, ms. */
  readonly maxFutureSkewMs: number;
  /** How far in the past an event time may be, ms. */
  readonly maxPastSkewMs: number;
}

export const defaultStreamIdPattern = /^[A-Za-z0-9._:/@-]+$/;

/** The fields of an event as found in some JSON object (names already mapped). */
export interface EventFields {
  readonly stream: unknown;
  readonly ts: unknown;
  readonly values: unknown;
  readonly end: unknown;
}

const reject = (reason: Rejection['reason'], detail: string): Validated => ({ ok: false, reason, detail });

// Never JSON.stringify an untrusted value here: deeply nested input overflows the stack.
const quote = describeValue;

/**
 * Checks one event against the rules. `now` is the arrival time: it fills a missing `ts` and is
 * the reference for the skew bounds. Pure and allocation-light: it runs for every event.
 */
export function validateEvent(fields: EventFields, rules: ValidationRules, now: number): Validated {
  const { stream, values } = fields;
  if (stream === undefined || stream === null || stream === '') return reject('stream_missing', 'stream is missing or empty');
  if (typeof stream !== 'string') return reject('stream_charset', `stream must be a string, got ${quote(stream)}`);
  if (stream.length > rules.maxStreamIdLength) {
    return reject('stream_too_long', `stream is ${stream.length} characters, at most ${rules.maxStreamIdLength} allowed`);
  }
  if (!isWellFormed(stream)) return reject('stream_charset', `stream ${quote(stream)} holds a lone UTF-16 surrogate`);
  if (!rules.streamIdPattern.test(stream)) {
    return reject('stream_charset', `stream ${quote(stream)} has characters outside ${String(rules.streamIdPattern)}`);
  }

  const ts = parseTs(fields.ts, now);
  if (typeof ts === 'string') return reject('ts_invalid', ts);
  if (ts - now > rules.maxFutureSkewMs || now - ts > rules.maxPastSkewMs) {
    const hint = ts < 1e11 && ts > 1e8 ? ' (it looks like seconds; ts is in milliseconds)' : '';
    return reject('ts_skew', `ts ${ts} is outside [now - ${rules.maxPastSkewMs} ms, now + ${rules.maxFutureSkewMs} ms]${hint}`);
  }

  const end = fields.end === true;
  if (fields.end !== undefined && fields.end !== true && fields.end !== false) {
    return reject('values_missing', `end must be true or false, got ${quote(fields.end)}`);
  }
  // An end may carry no values, null or `[]` (what encodeEvent writes for one): all mean none.
  if (end && (values === undefined || values === null || (Array.isArray(values) && values.length === 0))) return { ok: true, event: { stream, ts, values: [], end: true } };
  if (!Array.isArray(values)) return reject('values_missing', `values must be an array of ${rules.width} numbers, got ${quote(values)}`);
  if (values.length !== rules.width) {
    return reject('values_width', `values has ${values.length} entries, exactly ${rules.width} required`);
  }
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (!isModelNumber(v)) {
      const why = typeof v === 'number' ? `, outside the model's float32 range ±${float32Max}` : ', a finite number is required';
      return reject('values_not_finite', `values[${i}] is ${quote(v)}${why}`);
    }
  }
  const event: EventV1 = end ? { stream, ts, values: values as number[], end: true } : { stream, ts, values: values as number[] };
  return { ok: true, event };
}

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate): only such a string survives UTF-8
 * and URL encoding (encodeURIComponent throws on one). In u-mode a valid pair is one code point,
 * so the surrogate class matches lone halves only.
 */
export function isWellFormed(s: string): boolean {
  return !/\p{Cs}/u.test(s);
}

/** The largest time a JavaScript Date holds, in ms since the epoch (ECMA-262 §21.4.1.1). */
export const MAX_TS = 8.64e15;

/** ms since the epoch from a number (ms) or an ISO-8601 string; a string describing the problem otherwise. */
function parseTs(ts: unknown, now: number): number | string {
  if (ts === undefined || ts === null) return now;
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts) || !Number.isInteger(ts) || ts < 0) return `ts ${quote(ts)} is not a whole, non-negative number of ms`;
    // Past a Date's range every consumer that formats the time (an alert's startsAt, the live
    // view) would throw on it; nanoseconds are the usual cause.
    if (ts > MAX_TS) return `ts ${quote(ts)} is past the largest date (${MAX_TS} ms); ts is in milliseconds`;
    return ts;
  }
  if (typeof ts === 'string') {
    // Date.parse accepts many informal forms; require ISO-8601 with a date part.
    if (!/^\d{4}-\d{2}-\d{2}([Tt ][\d:.]+([Zz]|[+-]\d{2}:?\d{2})?)?$/.test(ts)) return `ts ${quote(ts)} is not ISO-8601 nor a number of ms`;
    // A date-time without an offset is UTC: read as local time (what Date.parse does), the same
    // event would get another ts on a host in another time zone.
    const zoned = /[Tt ]/.test(ts) && !/([Zz]|[+-]\d{2}:?\d{2})$/.test(ts) ? `${ts.replace(' ', 'T')}Z` : ts;
    // Date.parse rolls impossible days over (2024-02-30 is read as March 1st): the day must exist.
    const [year, month, day] = [Number(ts.slice(0, 4)), Number(ts.slice(5, 7)), Number(ts.slice(8, 10))];
    if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return `ts ${quote(ts)} is not a calendar date`;
    const ms = Date.parse(zoned);
    if (Number.isNaN(ms)) return `ts ${quote(ts)} is not a valid date`;
    if (ms < 0) return `ts ${quote(ts)} is before 1970`;
    return ms;
  }
  return `ts ${quote(ts)} is not ISO-8601 nor a number of ms`;
}

export function rejectionOf(v: Validated): Rejection | undefined {
  return v.ok ? undefined : { reason: v.reason, detail: v.detail };
}
