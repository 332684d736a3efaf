import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
let registered = false;

/**
 * A fresh directory under the system temp dir, removed when the process exits. `node --test` runs
 * each test file in a process of its own, so that is once the file's tests and `after` hooks are
 * done: LMDB environments, a dedicated broker's logs and a CLI's files live until then, and no
 * test has to remember which of them it must still close before deleting.
 */
export function tempDir(prefix: string): string {
  if (!registered) {
    process.once('exit', removeAll);
    registered = true;
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

function removeAll(): void {
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Left behind (a broker still writing its log, say): a passing test file must not fail on it.
    }
  }
}
