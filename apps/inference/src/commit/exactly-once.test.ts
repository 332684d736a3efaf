import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaConnection, TransactionalProducer } from '@streamcell/kafka';
import { ExactlyOnce } from './exactly-once';

/** Transactional producers whose connect (InitProducerId) the test completes. */
function connection() {
  const made: { connected: boolean; disconnected: boolean; finish: () => void }[] = [];
  const conn = {
    transactionalProducer: () => {
      const p = { connected: false, disconnected: false, finish: () => undefined as void };
      made.push(p);
      return {
        connect: () => new Promise<void>((resolve) => (p.finish = () => ((p.connected = true), resolve()))),
        disconnect: () => ((p.disconnected = true), Promise.resolve()),
        commit: () => Promise.resolve(),
      } as unknown as TransactionalProducer;
    },
  } as Pick<KafkaConnection, 'transactionalProducer'>;
  return { conn, made };
}

describe('ExactlyOnce committer', () => {
  it('does not keep a producer whose connect finished after the committer was closed (revoked while initialising)', async () => {
    const { conn, made } = connection();
    const committer = new ExactlyOnce(conn, { groupId: 'g', events: 'events', transactionTimeoutMs: 60_000 }).committer(0);
    const opening = committer.open();
    await new Promise((r) => setImmediate(r));
    await committer.close();
    made[0].finish();
    await opening;
    assert.equal(made[0].disconnected, true, 'disconnected, not leaked');
    await assert.rejects(committer.write({ partition: 0, records: [], nextOffset: '1', eventTimes: [], epoch: 0 }), /not open/);
  });

  it('opens again after a close (a re-initialisation) and writes', async () => {
    const { conn, made } = connection();
    const committer = new ExactlyOnce(conn, { groupId: 'g', events: 'events', transactionTimeoutMs: 60_000 }).committer(0);
    await committer.close();
    const opening = committer.open();
    await new Promise((r) => setImmediate(r));
    made[0].finish();
    await opening;
    assert.equal(made[0].disconnected, false);
    await committer.write({ partition: 0, records: [], nextOffset: '1', eventTimes: [], epoch: 0 });
  });
});
