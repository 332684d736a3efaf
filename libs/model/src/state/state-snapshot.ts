/**
 * The header of a stream's state snapshot (StateTable.snapshot / restore), which the inference
 * service writes to the state changelog and its local tiers.
 *
 * - v2 (written): uint32 magic `SCS2`, uint32 float count, uint32 architecture fingerprint.
 * - v1 (read, written by earlier releases): uint32 magic `SCST`, uint32 float count.
 *
 * The float count alone cannot tell two architectures apart whose states have the same size (an
 * LSTM of 4 units and a GRU of 8, a GRU with another reset_after): restored across such a change,
 * a stream would run on another network's state without any error. A v1 record carries no
 * fingerprint and is restored on its size, as before; every commit rewrites a stream's record as
 * v2, so that window closes with each stream's next event.
 */

const MAGIC_V1 = 0x54534353; // "SCST" little-endian
const MAGIC_V2 = 0x32534353; // "SCS2" little-endian
export const SNAPSHOT_HEADER_BYTES = 12;

export function writeSnapshotHeader(view: DataView, floats: number, fingerprint: number): void {
  view.setUint32(0, MAGIC_V2, true);
  view.setUint32(4, floats, true);
  view.setUint32(8, fingerprint >>> 0, true);
}

/** Where the floats start in `bytes`, or why the snapshot does not fit a table of `floats` floats and this fingerprint. */
export function checkSnapshot(bytes: Uint8Array, floats: number, fingerprint: number): { floatsAt: number } | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = bytes.byteLength >= 8 ? view.getUint32(0, true) : 0;
  const headerBytes = magic === MAGIC_V2 ? SNAPSHOT_HEADER_BYTES : magic === MAGIC_V1 ? 8 : 0;
  if (headerBytes === 0 || bytes.byteLength !== headerBytes + 4 * floats || view.getUint32(4, true) !== floats) {
    return `${bytes.byteLength} bytes; expected a header and ${floats} floats — wrong model architecture or corrupt record`;
  }
  if (magic === MAGIC_V2 && view.getUint32(8, true) !== fingerprint >>> 0) {
    return `written by another model architecture (fingerprint ${view.getUint32(8, true)}, this one ${fingerprint >>> 0})`;
  }
  return { floatsAt: headerBytes };
}
