import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBundle, type WeightsBundle } from '@streamcell/model';
import { JsonLogger } from '@streamcell/observability';
import { HeadMovedError, ModelPinnedError, type PublishOptions } from '@streamcell/registry';
import { TrainerModel } from './trainer-model';

const spec = { cell: 'gru' as const, layers: [2], inputWidth: 1, head: { units: 1 } };
const bundle = (version: number): WeightsBundle => createBundle({ name: 'm', spec, version });
const quiet = new JsonLogger('trainer', 'error');

describe('TrainerModel', () => {
  it('publishes a candidate conditionally on the head it was judged against, protecting the checkpoint base', async () => {
    const calls: PublishOptions[] = [];
    const model = new TrainerModel({ adoptHead: () => 'own' }, quiet, () => undefined);
    model.attach({
      publish: (draft, o) => {
        calls.push(o);
        return Promise.resolve({ ...draft, version: 8, parentVersion: o.parentVersion });
      },
    });
    const result = await model.publishCandidate(bundle(1), bundle(7), [5]);
    assert.ok('published' in result);
    assert.equal(result.published.version, 8);
    assert.deepEqual(calls, [{ parentVersion: 7, ifHead: 7, protect: [5] }]);
  });

  it('drops a candidate whose head moved or got pinned, and rethrows anything else', async () => {
    const model = new TrainerModel({ adoptHead: () => 'own' }, quiet, () => undefined);
    let error: Error = new HeadMovedError(7, 9);
    model.attach({ publish: () => Promise.reject(error) });
    assert.deepEqual(await model.publishCandidate(bundle(1), bundle(7), []), { superseded: 'the head is v9, not v7: nothing published' });
    error = new ModelPinnedError('m', 3);
    assert.deepEqual(await model.publishCandidate(bundle(1), bundle(7), []), { superseded: error.message });
    assert.equal(await model.bootstrap(bundle(1)), null, 'a version appeared while bootstrapping');
    error = new Error('broker down');
    await assert.rejects(model.publishCandidate(bundle(1), bundle(7), []), /broker down/);
  });

  it('hands head changes to the training loop and reports adoptions', async () => {
    const seen: [number, boolean][] = [];
    const heads: [number, boolean][] = [];
    const model = new TrainerModel(
      {
        adoptHead: (b, own = false) => {
          seen.push([b.version, own]);
          return b.version === 2 ? 'ignored' : own ? 'own' : 'adopted';
        },
      },
      quiet,
      (v, adopted) => heads.push([v, adopted]),
    );
    await model.listener.onHead?.(bundle(1), false);
    await model.listener.onHead?.(bundle(2), false);
    await model.listener.onHead?.(bundle(3), true);
    assert.deepEqual(seen, [[1, false], [2, false], [3, true]]);
    assert.deepEqual(heads, [[1, true], [3, false]]);
  });
});
