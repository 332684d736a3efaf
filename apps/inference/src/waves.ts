/**
 * Splits a sequence of per-stream items into waves for batched stepping: each wave holds a stream
 * at most once, and a stream's items keep their order across waves (its k-th item is in wave k).
 * Returns, per wave, the indices of the items in it, in input order. A wave holds at most
 * `maxSize` items (the state table's capacity: a larger step would evict streams of its own wave
 * before they are stepped); a longer one is cut into consecutive waves, which keeps every
 * stream's order since a stream is in a wave once.
 */
export function planWaves(streamOf: (i: number) => string, count: number, maxSize = Infinity): number[][] {
  const waves: number[][] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const s = streamOf(i);
    const w = seen.get(s) ?? 0;
    seen.set(s, w + 1);
    (waves[w] ??= []).push(i);
  }
  if (waves.every((w) => w.length <= maxSize)) return waves;
  return waves.flatMap((w) => Array.from({ length: Math.ceil(w.length / maxSize) }, (_, k) => w.slice(k * maxSize, (k + 1) * maxSize)));
}
