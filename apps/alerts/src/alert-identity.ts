import { createHash } from 'node:crypto';
import type { AlertV1 } from '@streamcell/events';

/**
 * The idempotency key of an alert: a hash of what identifies it (stream, event time, rule, model
 * and version), not of where it was read. A redelivery after a crash, and the same alert written
 * twice by an at-least-once inference, both give the same key.
 */
export function idempotencyKey(a: AlertV1): string {
  return createHash('sha256').update(JSON.stringify(['alert/v1', a.stream, a.ts, a.rule, a.model.name, a.model.version])).digest('hex').slice(0, 32);
}
