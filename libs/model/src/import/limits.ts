/**
 * Bounds on what the model-file readers decode. Model files come from users (`streamcell model
 * import`), and their formats declare sizes and counts that readers allocate or loop by before any
 * data backs them: a 98-byte zip claiming 4·10⁹ entries, a 133-byte one declaring a 4 GB entry, a
 * few-kB HDF5 file declaring a 400 MB dataset. Each reader checks a declaration against these
 * before acting on it.
 */

/**
 * Most bytes decoded from one file: a .keras zip's entries, an HDF5 file's float32 datasets. The
 * ceiling of MODEL_MAX_BYTES (1 GiB), the largest bundle any streamcell process accepts.
 */
export const MAX_DECODED_BYTES = 2 ** 30;

/**
 * Most a compressed part may expand (declared bytes per stored byte). Real float32 weights deflate
 * by less than 2:1 (Keras does not even compress them); a bomb of zeros reaches ~1000:1.
 */
export const MAX_EXPANSION = 100;

/** Allowance on top of the ratio, so small parts that compress well (config JSON, HDF5 metadata) never meet it. */
export const EXPANSION_ALLOWANCE = 2 ** 20;

/** Most bytes `stored` bytes may decode to. */
export function expansionLimit(stored: number): number {
  return Math.min(MAX_DECODED_BYTES, EXPANSION_ALLOWANCE + MAX_EXPANSION * stored);
}

/** Deepest HDF5 group nesting walked: Keras nests ~5 deep; a group linking to its ancestor recurses until the stack overflows. */
export const MAX_HDF5_DEPTH = 32;

/** Most HDF5 objects walked: hard links can make a small file a tree of exponentially many paths. */
export const MAX_HDF5_OBJECTS = 100_000;
