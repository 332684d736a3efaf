/**
 * Tensor tables (a bundle's manifest, a safetensors header) give each tensor's bytes as a range of
 * one data section, and readers copy each range out. Writers lay tensors side by side; ranges that
 * overlap are a hostile or corrupt table, and let a small file cost its size once per tensor
 * (500 entries over the same 4 MiB: 2 GB). Readers refuse them before copying anything.
 */
export interface ByteRange {
  readonly name: string;
  /** First byte. */
  readonly begin: number;
  /** One past the last byte. */
  readonly end: number;
}

/** Two ranges that share a byte, if any do (empty ranges share none). */
export function findOverlap(ranges: readonly ByteRange[]): [ByteRange, ByteRange] | undefined {
  const sorted = ranges.filter((r) => r.end > r.begin).sort((a, b) => a.begin - b.begin);
  // Sorted by start, ranges are disjoint exactly when each ends by the start of the next.
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) return [sorted[i - 1], sorted[i]];
  }
  return undefined;
}

/** "a" [0, 8) and "b" [4, 12), for error messages. */
export function describeOverlap([a, b]: [ByteRange, ByteRange]): string {
  return `${JSON.stringify(a.name)} [${a.begin}, ${a.end}) and ${JSON.stringify(b.name)} [${b.begin}, ${b.end})`;
}
