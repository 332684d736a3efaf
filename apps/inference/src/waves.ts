/**
 * Splits a sequence of per-stream items into waves for batched stepping: each wave holds a stream
 * at most once, and a stream's items keep their order across waves (its k-th item is in wave k).
 * Returns, per wave, the indices of the items in it, in input order.
 */
export function planWaves(streamOf: (i: number) => string, count: number): number[][] {
  const waves: number[][] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const s = streamOf(i);
    const w = seen.get(s) ?? 0;
    seen.set(s, w + 1);
    (waves[w] ??= []).push(i);
  }
  return waves;
}
