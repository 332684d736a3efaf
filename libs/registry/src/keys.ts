/**
 * Record keys on model.weights.
 *
 * - `<model>/v<version>`: one version's bundle (tombstone = the version was retired by retention).
 *   A key per version is what keeps every version addressable under compaction: the cleaner keeps
 *   the newest record *per key*, so no version shadows another.
 * - `<model>/pin`: the operator's pin (JSON `{"version":n,...}`; tombstone = unpinned).
 * - `<model>`: the legacy layout (before the registry): every version under the model name, of
 *   which compaction keeps only the newest. Still read (migration), never written except for the
 *   tombstone that retires it once its versions were copied to per-version keys.
 *
 * Model names match /^[A-Za-z0-9._:@-]+$/ (MODEL_NAME): they never contain '/', so the key parses
 * unambiguously.
 */
export type RegistryKey =
  | { readonly kind: 'version'; readonly version: number }
  | { readonly kind: 'pin' }
  | { readonly kind: 'legacy' };

/**
 * The highest version number the registry uses. A key or manifest above it (a corrupt or foreign
 * record) is not a version: counted, it would push the next version's key past what parseKey
 * reads, and every later publication would be read back as unknown. 2^32 − 1 because inference's
 * state records hold the version that made a forecast in 32 bits (a version past it made every
 * commit throw, and every partition stall); that is ~136 years of one publication a second.
 */
export const MAX_VERSION = 2 ** 32 - 1;

/** What a model name may hold (MODEL_NAME): never '/', which separates a model from its version in a key. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9._:@-]+$/;

export function versionKey(model: string, version: number): string {
  return `${model}/v${version}`;
}

export function pinKey(model: string): string {
  return `${model}/pin`;
}

/** What a key means for `model`; null for other models' keys and anything unrecognised. */
export function parseKey(model: string, key: string): RegistryKey | null {
  if (key === model) return { kind: 'legacy' };
  if (!key.startsWith(`${model}/`)) return null;
  const rest = key.slice(model.length + 1);
  if (rest === 'pin') return { kind: 'pin' };
  const m = /^v([1-9]\d{0,14})$/.exec(rest);
  const version = m === null ? NaN : Number(m[1]);
  return version <= MAX_VERSION ? { kind: 'version', version } : null;
}
