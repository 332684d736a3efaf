import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TransportStatus } from './transport-status';

describe('TransportStatus', () => {
  it('is consuming only while connected or rebalancing', () => {
    const s = new TransportStatus();
    assert.equal(s.consuming, false, 'not before the transport reports');
    s.set('connected');
    assert.ok(s.consuming);
    s.set('rebalancing');
    assert.ok(s.consuming);
    s.set('crashed');
    assert.equal(s.consuming, false);
  });

  it('keeps the cause of a crash kafkajs restarts from across the disconnect that is part of the restart', () => {
    const s = new TransportStatus();
    s.set('restarting after: connect ECONNREFUSED');
    s.set('disconnected');
    assert.equal(s.value, 'restarting after: connect ECONNREFUSED');
    s.set('connected');
    assert.ok(s.consuming);
    s.set('disconnected');
    assert.equal(s.value, 'disconnected');
  });
});
