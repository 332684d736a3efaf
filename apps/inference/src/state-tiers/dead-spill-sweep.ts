import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The per-process spill directory's name in the system temp dir, when no INFERENCE_STATE_DIR is set. */
export const TEMP_STATE_PREFIX = 'streamcell-inference-';

/** Whether a process with this id exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the per-process spill directories that processes no longer running left in `parent`.
 * A worker that was SIGKILLed (the OOM killer, a supervisor's grace period) never ran its close,
 * and its spill files (up to the host's spill volume) would stay until the temp dir is cleared.
 * Only directories of ids with no process are touched; a reused id keeps its directory, which is
 * harmless, since every spill tier wipes its own directory when it opens.
 * @returns the directories removed
 */
export function removeDeadProcessDirs(parent: string, isAlive: (pid: number) => boolean = alive): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(TEMP_STATE_PREFIX)) continue;
    const id = name.slice(TEMP_STATE_PREFIX.length);
    if (!/^[1-9]\d{0,9}$/.test(id)) continue;
    const pid = Number(id);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // another worker's sweep got there first, or not ours to remove: left for the next start
    }
  }
  return removed;
}
