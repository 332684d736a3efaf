import type { Validated } from './event';
import { canonicalMapping, extractFields, isPlainObject } from './mapping';
import { validateEvent, type ValidationRules } from './validate';

/**
 * Rules for events read back from the `events` topic: ingest already enforced its own stream id
 * and time rules when it wrote them, so readers check only what they rely on (a stream id, the
 * width, finite values) and never refuse an event for its age (a replay must read like the run).
 */
export function topicEventRules(width: number): ValidationRules {
  return { width, maxStreamIdLength: 4096, streamIdPattern: /^[^\s]+$/, maxFutureSkewMs: Infinity, maxPastSkewMs: Infinity };
}

/** For readers that show events of any width (the live view): ingest enforced INPUT_WIDTH already. */
export const anyWidth = 'any';

/**
 * Reads one record of `events` (event v1 JSON): the one way the trainer, inference and the live
 * view decode events. Refusals carry the dead-letter reason and a sentence saying why.
 */
export function decodeEvent(
  value: Buffer | string | null,
  rules: ValidationRules | typeof anyWidth,
  context: { readonly key?: string; readonly now: number },
): Validated {
  let parsed: unknown;
  try {
    parsed = value === null ? null : JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: 'malformed_json', detail: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!isPlainObject(parsed)) return { ok: false, reason: 'not_an_object', detail: 'an event must be a JSON object' };
  // Events on the topic carry their time; filling in a missing one would make replays differ.
  if (parsed.ts === undefined) return { ok: false, reason: 'ts_invalid', detail: 'ts is missing' };
  const fields = extractFields(parsed, canonicalMapping, context.key);
  const checked = rules === anyWidth ? topicEventRules(Array.isArray(fields.values) ? fields.values.length : 0) : rules;
  return validateEvent(fields, checked, context.now);
}
