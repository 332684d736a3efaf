import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, describeSchema, env, loadConfig } from './env-schema';

const schema = {
  port: env.int('PORT', { default: 8080, min: 1, max: 65535, doc: 'HTTP port' }),
  brokers: env.list('KAFKA_BROKERS', { minItems: 1, doc: 'brokers' }),
  mode: env.oneOf('MODE', ['exactly_once', 'at_least_once'] as const, { default: 'exactly_once', doc: 'guarantee' }),
  auth: env.bool('AUTH', { default: false, doc: 'auth' }),
  key: env.optionalString('KEY', { doc: 'key' }),
  ratio: env.number('RATIO', { default: 0.5, min: 0, max: 1, doc: 'ratio' }),
};

describe('loadConfig', () => {
  it('parses values and applies defaults', () => {
    const cfg = loadConfig(schema, { KAFKA_BROKERS: 'a:1, b:2', MODE: 'AT_LEAST_ONCE', AUTH: 'yes' });
    assert.deepEqual(cfg, {
      port: 8080,
      brokers: ['a:1', 'b:2'],
      mode: 'at_least_once',
      auth: true,
      key: undefined,
      ratio: 0.5,
    });
    assert.ok(Object.isFrozen(cfg));
  });

  it('names every bad variable and the expected form in one error', () => {
    assert.throws(
      () => loadConfig(schema, { PORT: '70000', MODE: 'maybe', RATIO: 'NaN' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.problems.length, 4);
        assert.match(e.message, /PORT="70000" is not valid \(expected an integer in \[1, 65535\]\)/);
        assert.match(e.message, /KAFKA_BROKERS is required \(expected a comma-separated list, at least 1\)/);
        assert.match(e.message, /MODE="maybe" is not valid \(expected one of exactly_once \| at_least_once\)/);
        assert.match(e.message, /RATIO="NaN"/);
        return true;
      },
    );
  });

  it('refuses a list of commas alone (not an empty list) and names the entries a list refuses', () => {
    const lists = {
      keys: env.list('KEYS', { default: [], doc: 'keys' }),
      brokers: env.list('BROKERS', { default: ['h:1'], minItems: 1, item: { expected: 'host:port', check: (i) => /^[^:]+:\d+$/.test(i) }, doc: 'brokers' }),
    };
    assert.deepEqual(loadConfig(lists, { KEYS: '', BROKERS: ' a:1 , b:2 ' }), { keys: [], brokers: ['a:1', 'b:2'] });
    assert.throws(() => loadConfig(lists, { KEYS: ' , ' }), /KEYS="," is not valid \(expected a comma-separated list\): only commas: leave it unset for an empty list/);
    assert.throws(() => loadConfig(lists, { BROKERS: 'a:1,b,c:x' }), /BROKERS="a:1,b,c:x" is not valid \(expected a comma-separated list of host:port, at least 1\): "b", "c:x" are not host:port/);
  });

  it('rejects non-integers for int settings', () => {
    assert.throws(() => loadConfig(schema, { KAFKA_BROKERS: 'a:1', PORT: '80.5' }), /PORT="80.5"/);
  });

  it('documents the schema as a markdown table', () => {
    const table = describeSchema(schema);
    assert.match(table, /\| `PORT` \| `8080` \| an integer in \[1, 65535\] \| HTTP port \|/);
    assert.match(table, /\| `KAFKA_BROKERS` \| — \|/);
  });
});
