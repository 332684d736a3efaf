import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '@streamcell/testing';
import { removeDeadProcessDirs } from './dead-spill-sweep';

describe('removeDeadProcessDirs', () => {
  it("removes a dead process's spill directory and keeps the living ones and everything else", () => {
    const parent = tempDir('sc-spill-sweep-');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    assert.ok(gone !== undefined);
    const dirs = {
      dead: `streamcell-inference-${gone}`,
      mine: `streamcell-inference-${process.pid}`,
      parent: `streamcell-inference-${process.ppid}`,
      other: 'streamcell-inference-not-a-pid',
      unrelated: 'something-else-1',
    };
    for (const d of Object.values(dirs)) {
      mkdirSync(join(parent, d, 'spill'), { recursive: true });
      writeFileSync(join(parent, d, 'spill', 'data.mdb'), 'x');
    }
    assert.deepEqual(removeDeadProcessDirs(parent), [dirs.dead]);
    assert.equal(existsSync(join(parent, dirs.dead)), false);
    for (const d of [dirs.mine, dirs.parent, dirs.other, dirs.unrelated]) assert.ok(existsSync(join(parent, d, 'spill', 'data.mdb')), d);
  });

  it('asks about each candidate id, and a missing parent is nothing to do', () => {
    const parent = tempDir('sc-spill-sweep-');
    mkdirSync(join(parent, 'streamcell-inference-4000000'));
    mkdirSync(join(parent, 'streamcell-inference-4000001'));
    const asked: number[] = [];
    const removed = removeDeadProcessDirs(parent, (pid) => (asked.push(pid), pid === 4000001));
    assert.deepEqual(asked.sort(), [4000000, 4000001]);
    assert.deepEqual(removed, ['streamcell-inference-4000000']);
    assert.deepEqual(removeDeadProcessDirs(join(parent, 'missing')), []);
  });
});
