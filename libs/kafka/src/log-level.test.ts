import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
// kafkajs's own error table: the messages we match must be the ones this kafkajs version writes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { type: string; message: string; retriable: boolean }[] };
import { readFileSync } from 'node:fs';
import { logLevel, type LogEntry } from 'kafkajs';
import { kafkaLogCreator } from './client';
import { expectedRetriableMessages, levelOf, rebalanceError, rebalanceMessage, settlingLeaderErrors, topicCreationError } from './log-level';

const concurrent = expectedRetriableMessages.get('CONCURRENT_TRANSACTIONS')!;

describe('kafkajs log levels', () => {
  it('match kafkajs error messages for retriable errors', () => {
    for (const [type, message] of expectedRetriableMessages) {
      const known = errorCodes.find((e) => e.type === type);
      assert.equal(known?.message, message, type);
      assert.equal(known.retriable, true, type);
    }
  });

  it('logs the retries of a transaction started while the broker completes the last one at debug', () => {
    // The two entries kafkajs writes for each such retry.
    assert.equal(levelOf({ log: { message: 'Response AddPartitionsToTxn(key: 24, version: 1)', error: concurrent, timestamp: '', logger: 'kafkajs' } }), 'debug');
    assert.equal(levelOf({ log: { message: `Failed to send messages: ${concurrent}`, timestamp: '', logger: 'kafkajs' } }), 'debug');
  });

  it('logs a rejoin after a rebalance at debug, with the text this kafkajs version writes', () => {
    assert.ok(readFileSync(require.resolve('kafkajs/src/consumer/runner.js'), 'utf8').includes(`'${rebalanceMessage}'`));
    assert.equal(levelOf({ log: { message: rebalanceMessage, timestamp: '', logger: 'kafkajs' } }), 'debug');
    assert.equal(errorCodes.find((e) => e.type === 'REBALANCE_IN_PROGRESS')?.message, rebalanceError);
    assert.equal(levelOf({ log: { message: 'Response Heartbeat(key: 12, version: 3)', error: rebalanceError, timestamp: '', logger: 'kafkajs' } }), 'debug');
  });

  it('logs the CreateTopics response of a lost topic-creation race at debug, with the text this kafkajs version writes', () => {
    assert.ok(readFileSync(require.resolve('kafkajs/src/protocol/requests/createTopics/v0/response.js'), 'utf8').includes(`'${topicCreationError}'`));
    assert.equal(levelOf({ log: { message: 'Response CreateTopics(key: 19, version: 3)', error: topicCreationError, timestamp: '', logger: 'kafkajs' } }), 'debug');
    // The same text from another request is not this case.
    assert.equal(levelOf({ log: { message: 'Response CreatePartitions(key: 37, version: 0)', error: topicCreationError, timestamp: '', logger: 'kafkajs' } }), 'warn');
  });

  it('logs offset lookups on a partition whose leader is not serving yet at debug, with the texts this kafkajs version writes', () => {
    assert.deepEqual(
      settlingLeaderErrors,
      ['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE'].map((type) => errorCodes.find((e) => e.type === type)?.message),
    );
    for (const error of settlingLeaderErrors) {
      assert.equal(levelOf({ log: { message: 'Response ListOffsets(key: 2, version: 3)', error, timestamp: '', logger: 'kafkajs' } }), 'debug');
      // Records wait on a produce answered the same: still a warning.
      assert.equal(levelOf({ log: { message: 'Response Produce(key: 0, version: 7)', error, timestamp: '', logger: 'kafkajs' } }), 'warn');
    }
    assert.equal(levelOf({ log: { message: 'Response ListOffsets(key: 2, version: 3)', error: 'The request timed out', timestamp: '', logger: 'kafkajs' } }), 'warn');
  });

  it('keeps other failures as warnings', () => {
    assert.equal(levelOf({ log: { message: 'Failed to send messages: Connection error: connect ECONNREFUSED', timestamp: '', logger: 'kafkajs' } }), 'warn');
    assert.equal(levelOf({ log: { message: 'Response Produce(key: 0, version: 7)', error: 'This server is not the leader for that topic-partition', timestamp: '', logger: 'kafkajs' } }), 'warn');
  });

  it('are what every client logs at, the alerts service included (its kafkajs client is made by Nest)', () => {
    const lines: string[] = [];
    const record = (level: string) => (message: string) => lines.push(`${level} ${message}`);
    const log = kafkaLogCreator({ debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') })();
    const entry = (level: logLevel, message: string, error?: string): LogEntry => ({ namespace: 'Runner', level, label: '', log: { timestamp: '', logger: 'kafkajs', message, ...(error !== undefined ? { error } : {}) } });
    log(entry(logLevel.WARN, rebalanceMessage));
    log(entry(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', rebalanceError));
    log(entry(logLevel.ERROR, 'Failed to send messages: Connection error: connect ECONNREFUSED'));
    log(entry(logLevel.INFO, 'Consumer has joined the group'));
    assert.deepEqual(lines, [
      `debug kafkajs: ${rebalanceMessage}`,
      'debug kafkajs: Response Heartbeat(key: 12, version: 3)',
      'warn kafkajs: Failed to send messages: Connection error: connect ECONNREFUSED',
    ]);
  });
});
