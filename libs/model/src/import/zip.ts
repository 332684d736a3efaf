import { type UnzipFileInfo, unzipSync } from 'fflate';
import { KerasImportError } from '../errors';
import { expansionLimit, MAX_DECODED_BYTES, MAX_EXPANSION } from './limits';

/**
 * fflate's unzipSync trusts what a zip declares: it loops once per entry the end record claims
 * (a 98-byte file claiming 4·10⁹ entries never returns) and allocates each entry's declared
 * uncompressed size before inflating (133 bytes declaring 4 GB). Both declarations are checked here
 * first, the count from the end record, the sizes in unzipSync's filter, which sees each entry before
 * it is inflated.
 */

const END_RECORD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_RECORD = 0x06064b50;
/** The end record is 22 bytes plus a comment of at most 65535, so it starts within this of the end. */
const END_SEARCH_BYTES = 22 + 0xffff;
/** A central directory entry's fixed fields: a zip cannot list more entries than its bytes / 46. */
const MIN_ENTRY_BYTES = 46;

// Little-endian reads that, like fflate's, see 0 past the end of the bytes.
const u16 = (b: Uint8Array, i: number): number => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
const u32 = (b: Uint8Array, i: number): number => u16(b, i) + u16(b, i + 2) * 2 ** 16;

function findEndRecord(bytes: Uint8Array): number | undefined {
  for (let e = bytes.length - 22; e >= 0 && bytes.length - e <= END_SEARCH_BYTES; e--) {
    if (u32(bytes, e) === END_RECORD) return e;
  }
  return undefined;
}

/**
 * The entry count that fflate's unzipSync will loop over: the end record's, or the zip64 end
 * record's when a locator points at one (all 64 bits of it, where fflate reads the low 32).
 * Undefined without an end record, which unzipSync refuses itself.
 */
export function declaredZipEntries(bytes: Uint8Array): number | undefined {
  const e = findEndRecord(bytes);
  if (e === undefined) return undefined;
  if (e >= 20 && u32(bytes, e - 20) === ZIP64_LOCATOR) {
    const z = u32(bytes, e - 12);
    if (u32(bytes, z) === ZIP64_END_RECORD) return u32(bytes, z + 32) + u32(bytes, z + 36) * 2 ** 32;
  }
  return u16(bytes, e + 8);
}

/** Refuses a zip whose end record claims more entries than its bytes can hold. */
export function checkZipEntryCount(bytes: Uint8Array): void {
  const count = declaredZipEntries(bytes);
  if (count !== undefined && count > Math.floor(bytes.length / MIN_ENTRY_BYTES)) {
    throw new KerasImportError(`not a readable .keras file: its zip end record claims ${count} entries, more than its ${bytes.length} bytes can hold (each takes at least ${MIN_ENTRY_BYTES}); the file is corrupt`);
  }
}

/**
 * A filter for unzipSync taking the entries named, and refusing any whose declared size exceeds
 * what its compressed bytes can honestly expand to, or which brings the total past MAX_DECODED_BYTES.
 * The compressed size is a declaration too: it counts for at most the `fileBytes` there are (a
 * 235-byte file declaring 20 MB compressed would otherwise be allowed 1 GB).
 */
export function sizeCheckedFilter(names: ReadonlySet<string>, fileBytes: number): (file: UnzipFileInfo) => boolean {
  let total = 0;
  return (file) => {
    if (!names.has(file.name)) return false;
    const limit = Math.min(expansionLimit(Math.min(file.size, fileBytes)), MAX_DECODED_BYTES - total);
    if (!(file.originalSize <= limit)) {
      throw new KerasImportError(
        `not a readable .keras file: entry ${JSON.stringify(file.name)} declares ${file.originalSize} bytes uncompressed from ${file.size} compressed, ` +
          `over the ${limit} this reader unpacks (${MAX_EXPANSION}× the compressed size plus 1 MiB, ${MAX_DECODED_BYTES} bytes in all): a zip bomb or a corrupt file`,
      );
    }
    total += file.originalSize;
    return true;
  };
}

/** Unzips the entries named, after checking what the zip declares; every failure is a KerasImportError. */
export function unzipEntries(bytes: Uint8Array, names: readonly string[]): Record<string, Uint8Array> {
  checkZipEntryCount(bytes);
  try {
    return unzipSync(bytes, { filter: sizeCheckedFilter(new Set(names), bytes.length) });
  } catch (cause) {
    if (cause instanceof KerasImportError) throw cause;
    throw new KerasImportError(`not a .keras file (a zip archive): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
