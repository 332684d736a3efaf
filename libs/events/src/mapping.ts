import type { EventFields } from './validate';

/**
 * Where the event fields are in a producer's JSON (events.raw). Paths are dotted
 * (`device.id`). With `valueFields` set, the vector is built from those named scalar fields in
 * order (`{"temp":1,"rpm":2}`); otherwise it is the array at `values`.
 */
export interface FieldMapping {
  readonly stream: string;
  readonly ts: string;
  readonly values: string;
  readonly valueFields: readonly string[];
  readonly end: string;
}

export const canonicalMapping: FieldMapping = { stream: 'stream', ts: 'ts', values: 'values', valueFields: [], end: 'end' };

function at(obj: Record<string, unknown>, path: string): unknown {
  if (!path.includes('.')) return obj[path];
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Extracts the event fields; `fallbackStream` (e.g. the Kafka key) fills a missing stream id. */
export function extractFields(obj: Record<string, unknown>, mapping: FieldMapping, fallbackStream?: string): EventFields {
  const stream = at(obj, mapping.stream) ?? fallbackStream;
  const values = mapping.valueFields.length > 0 ? mapping.valueFields.map((f) => at(obj, f)) : at(obj, mapping.values);
  return { stream, ts: at(obj, mapping.ts), values, end: at(obj, mapping.end) };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
