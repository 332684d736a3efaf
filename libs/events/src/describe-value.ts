/**
 * A short, safe rendering of an untrusted JSON value for an error detail. Never walks the value:
 * JSON.stringify recurses and overflows the stack on input nested a few thousand levels deep
 * (which JSON.parse, being iterative, accepts), so containers are described, not printed.
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return clip(JSON.stringify(v));
  // String(), not JSON.stringify: `1e400` parses to Infinity, which JSON would print as null.
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length} item${v.length === 1 ? '' : 's'}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
