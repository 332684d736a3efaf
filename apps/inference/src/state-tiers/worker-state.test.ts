import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JsonLogger } from '@streamcell/observability';
import { WorkerState } from './worker-state';

const admin = { startOffsets: () => Promise.resolve(new Map<number, bigint>()), endOffsets: () => Promise.resolve(new Map<number, bigint>()) };
const quiet = new JsonLogger('inference', 'error', () => undefined);
const config = (stateDir: string) => ({ stateDir, stateTtlMs: 0, stateMemoryBytes: 1 << 20, groupId: 'g', inferenceState: 'inference.state', checkpointMaxAgeMs: 60_000 });

describe('WorkerState directories', () => {
  it('without INFERENCE_STATE_DIR, the last thread to close removes the per-process temp dir', async () => {
    const dir = join(tmpdir(), `streamcell-inference-${process.pid}`);
    const threads = [0, 1].map((t) => new WorkerState(config(''), t, () => undefined, admin, quiet));
    assert.ok(existsSync(join(dir, 'spill')) && existsSync(join(dir, 'spill-1')));
    await threads[0].close();
    assert.ok(existsSync(join(dir, 'spill-1')), "the other thread's spill is left alone");
    await threads[1].close();
    assert.equal(existsSync(dir), false);
  });

  it("without INFERENCE_STATE_DIR, the first thread removes a SIGKILLed process's spill directory", async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const left = join(tmpdir(), `streamcell-inference-${gone}`);
    mkdirSync(join(left, 'spill'), { recursive: true });
    const state = new WorkerState(config(''), 0, () => undefined, admin, quiet);
    await state.close();
    assert.equal(existsSync(left), false);
  });

  it('keeps a configured INFERENCE_STATE_DIR and its checkpoint (a warm restart reads it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-worker-state-'));
    try {
      const state = new WorkerState(config(dir), 0, () => undefined, admin, quiet);
      await state.close();
      assert.ok(existsSync(join(dir, 'checkpoint')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
