import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runModelCli } from './model-cli';

describe('streamcell model', () => {
  it('refuses a --model with a "/" before touching Kafka: its keys would read as another model\'s versions', async () => {
    const err: string[] = [];
    // No broker at this address: the refusal must come first (a usage error, exit 2).
    const code = await runModelCli(['model', 'list', '--model', 'prod/v2'], { KAFKA_BROKERS: '127.0.0.1:1' }, { out: () => undefined, err: (t) => err.push(t) });
    assert.equal(code, 2);
    assert.match(err.join(''), /--model "prod\/v2" must match/);
  });

  it('refuses a value on an on/off flag and an option taken as a value, before doing anything', async () => {
    for (const [argv, message] of [
      [['model', 'import', 'm.safetensors', '--dry-run=false'], /--dry-run takes no value/],
      [['model', 'rollback', '3', '--force=false'], /--force takes no value/],
      [['model', 'import', 'm.safetensors', '--out', '--json'], /--out needs a value/],
    ] as const) {
      const err: string[] = [];
      const code = await runModelCli(argv, { KAFKA_BROKERS: '127.0.0.1:1' }, { out: () => undefined, err: (t) => err.push(t) });
      assert.equal(code, 2, argv.join(' '));
      assert.match(err.join(''), message);
    }
  });
});
