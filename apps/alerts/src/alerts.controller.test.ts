import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaContext } from '@nestjs/microservices';
import type { Consumer, KafkaMessage, Producer } from '@nestjs/microservices/external/kafka.interface';
import { JsonLogger } from '@streamcell/observability';
import { commitAfter } from './alerts.controller';

function context(offset: string, commit: (offsets: unknown) => Promise<void>): KafkaContext {
  const consumer = { commitOffsets: commit } as unknown as Consumer;
  const message = { offset, key: null, value: null, timestamp: '0', attributes: 0, headers: {} } as unknown as KafkaMessage;
  return new KafkaContext([message, 3, 'alerts', consumer, () => Promise.resolve(), {} as Producer]);
}

describe('commitAfter', () => {
  it('commits the offset after the record, exactly, also beyond 2^53', async () => {
    const commits: unknown[] = [];
    const record = (offsets: unknown): Promise<void> => (commits.push(offsets), Promise.resolve());
    await commitAfter(context('41', record), new JsonLogger('alerts', 'error'));
    await commitAfter(context('9007199254740993', record), new JsonLogger('alerts', 'error'));
    assert.deepEqual(commits, [[{ topic: 'alerts', partition: 3, offset: '42' }], [{ topic: 'alerts', partition: 3, offset: '9007199254740994' }]]);
  });

  it('a failed commit (rebalance) is logged, not thrown: the record is done either way', async () => {
    const lines: string[] = [];
    const logger = new JsonLogger('alerts', 'info', (line) => void lines.push(line));
    await commitAfter(context('1', () => Promise.reject(new Error('The group is rebalancing'))), logger);
    assert.match(lines.join(''), /offset commit failed.*rebalancing/);
  });
});
