/**
 * The one rule for "a number the model can take", shared by ingest validation, inference's
 * parse and the trainer. The model computes in float32: a double beyond float32's range (say
 * -1.7e308) is finite to JavaScript but becomes -Infinity in the model's input and NaN in the
 * stream's state, for good. So the bound is float32's, not double's.
 */

/** Largest finite float32 (2^128 - 2^104), the largest magnitude an event value may have. */
export const float32Max = 3.4028234663852886e38;

/** Whether `v` is a number within ±float32Max (NaN and ±Infinity are not). */
export function isModelNumber(v: unknown): v is number {
  // Written as a comparison so NaN (every comparison false) is refused too.
  return typeof v === 'number' && v <= float32Max && v >= -float32Max;
}
