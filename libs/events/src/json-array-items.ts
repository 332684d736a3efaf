/** [start, end) byte offsets of one item in the buffer it was found in. */
export type ByteSpan = readonly [start: number, end: number];

// JSON's structural bytes (ASCII).
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const isSpace = (c: number): boolean => c === SPACE || c === LF || c === CR || c === TAB;

/**
 * Byte spans of the items of a top-level JSON array, so a refused item can be dead-lettered as the
 * exact bytes the producer sent (`1e400` stays `1e400`, not the `null` a re-serialisation gives).
 *
 * Meant for bytes JSON.parse has already accepted as an array; returns undefined for anything it
 * cannot split (not an array, unbalanced), so a caller can fall back to the whole body. One pass,
 * a depth counter and no recursion: nesting depth costs nothing. Works on UTF-8 bytes directly,
 * since every structural character is ASCII and no byte of a multi-byte UTF-8 sequence is.
 */
export function jsonArrayItemSpans(bytes: Uint8Array): ByteSpan[] | undefined {
  let i = 0;
  const n = bytes.length;
  while (i < n && isSpace(bytes[i])) i++;
  if (bytes[i] !== OPEN_BRACKET) return undefined;
  i++;
  const spans: ByteSpan[] = [];
  let depth = 0;
  let start = -1; // first byte of the current item, -1 before it starts
  let end = -1; // one past its last non-space byte
  for (; i < n; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      if (start < 0) start = i;
      i = skipString(bytes, i);
      if (i < 0) return undefined;
      end = i + 1;
      continue;
    }
    if (isSpace(c)) continue;
    if (c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      if (depth === 0) {
        if (c !== CLOSE_BRACKET) return undefined;
        if (start >= 0) spans.push([start, end]);
        else if (spans.length > 0) return undefined; // a trailing comma: not what JSON.parse accepted
        return trailingIsSpace(bytes, i + 1) ? spans : undefined;
      }
      depth--;
    } else if (c === COMMA && depth === 0) {
      if (start < 0) return undefined;
      spans.push([start, end]);
      start = end = -1;
      continue;
    }
    if (start < 0) start = i;
    end = i + 1;
  }
  return undefined;
}

/** Index of the closing quote of the string opening at `open`, or -1 when it never closes. */
function skipString(bytes: Uint8Array, open: number): number {
  for (let i = open + 1; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return -1;
}

function trailingIsSpace(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (!isSpace(bytes[i])) return false;
  return true;
}
