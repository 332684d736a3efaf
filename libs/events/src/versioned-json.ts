/** What every v1 record decoder checks first: a value, JSON, an object, version 1. */
export type VersionedObject =
  | { readonly ok: true; readonly value: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly reason: 'malformed_json' | 'unsupported_version' | 'not_an_object'; readonly detail: string };

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a record's value as a version-1 JSON object (predictions, alerts). `not_an_object` is
 * mapped by each decoder to its own "invalid" reason.
 */
export function readVersionedObject(bytes: Buffer | string | null): VersionedObject {
  if (bytes === null) return { ok: false, reason: 'malformed_json', detail: 'the record has no value' };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString());
  } catch (e) {
    return { ok: false, reason: 'malformed_json', detail: `not JSON: ${(e as Error).message}` };
  }
  if (!isRecord(value)) return { ok: false, reason: 'not_an_object', detail: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
  if (value.v !== 1) return { ok: false, reason: 'unsupported_version', detail: `"v" is ${JSON.stringify(value.v) ?? 'missing'}; this reader understands version 1` };
  return { ok: true, value };
}
