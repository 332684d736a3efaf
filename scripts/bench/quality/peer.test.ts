import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { QualityWorkload } from '@streamcell/workload';
import { RIVER_PEER_SCRIPT, runRiverPeer } from './peer';

// npm test installs River with pip first (scripts/test/tools.mjs), or stops saying how to.
const riverInstalled = spawnSync('python3', ['-c', 'import river'], { stdio: 'ignore' }).status === 0;
const needRiver = (): void => assert.ok(riverInstalled, 'river is not importable by python3: python3 -m pip install river==0.26.1');

/** A smooth seasonal series (a model beats last-value on it) and a straight ramp, 400 events. */
function workload(): QualityWorkload {
  const n = 400;
  const sine = Float64Array.from({ length: n }, (_, k) => 1e5 + 1e4 * Math.sin((2 * Math.PI * k) / 40));
  const ramp = Float64Array.from({ length: n }, (_, k) => 0.01 * k);
  return {
    intervalSeconds: 1,
    shiftAtEvent: Number.POSITIVE_INFINITY,
    series: [
      { id: 'sine', values: sine, anomaly: new Uint8Array(n), period: 40, kind: 'test', magnitude: 1e5 },
      { id: 'ramp', values: ramp, anomaly: new Uint8Array(n), period: undefined, kind: 'test', magnitude: 1 },
    ],
  };
}

describe('runRiverPeer', () => {
  it('is null when the interpreter does not exist', async () => {
    assert.equal(await runRiverPeer(workload(), { python: '/nonexistent/python3' }), null);
  });

  it('reports "river not installed" and exits 0 when river cannot be imported', () => {
    // -S skips site-packages, where pip puts river: the script must degrade, not crash.
    const result = spawnSync('python3', ['-S', RIVER_PEER_SCRIPT, 'unused.json'], { encoding: 'utf8' });
    assert.equal(result.error, undefined, 'python3 runs');
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { forecasts: null, error: 'river not installed' });
  });

  it('forecasts every event but the first, before seeing it, and beats last-value on a smooth season', async () => {
    needRiver();
    const w = workload();
    const forecasts = await runRiverPeer(w);
    assert.ok(forecasts !== null);
    assert.equal(forecasts.length, 2);
    for (const [i, f] of forecasts.entries()) {
      assert.equal(f.length, w.series[i].values.length);
      assert.ok(Number.isNaN(f[0]));
      assert.ok(f.subarray(1).every(Number.isFinite));
    }
    const mae = (s: Float64Array, f: (k: number) => number): number => {
      let e = 0;
      for (let k = 200; k < s.length; k++) e += Math.abs(f(k) - s[k]);
      return e / (s.length - 200);
    };
    const sine = w.series[0].values;
    const peer = mae(sine, (k) => forecasts[0][k]);
    const naive = mae(sine, (k) => sine[k - 1]);
    assert.ok(peer < 0.8 * naive, `peer ${peer} vs last-value ${naive}`);
    // On a straight ramp the change is constant: the peer must learn it, not stay at last-value.
    const ramp = w.series[1].values;
    assert.ok(mae(ramp, (k) => forecasts[1][k]) < 0.5 * mae(ramp, (k) => ramp[k - 1]));
  });

  it('fails loudly when the peer itself fails', async () => {
    needRiver();
    await assert.rejects(runRiverPeer(workload(), { model: 'no-such-model' }), /RIVER_PEER_MODEL must be one of/);
  });
});
