import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodePrediction, float32Json } from './prediction';

describe('float32Json', () => {
  it('reads back as exactly the same float32, for values across the whole range', () => {
    const values = new Float32Array(20_000);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i) * 10 ** ((i % 40) - 20);
    values.set([0, -0, 1, -1, 0.1, 974648640, 100, 1e9, 3.4028234663852886e38, 1.401298464324817e-45, 123456789, 1e-7]);
    for (const x of values) {
      const text = float32Json(x);
      // == rather than Object.is: JSON has no -0 (JSON.stringify writes it as 0 too).
      assert.ok(Math.fround(Number(JSON.parse(text))) === x, `${x} → ${text}`);
      assert.ok(text.length <= 17, `${x} → ${text}`);
    }
  });

  it('has no float64 noise digits and no trailing zeros', () => {
    assert.equal(float32Json(Math.fround(0.1)), '0.100000001'); // as a double: 0.10000000149011612
    assert.equal(float32Json(3), '3');
    assert.equal(float32Json(-2.5), '-2.5');
    assert.equal(float32Json(0.375), '0.375');
    assert.equal(float32Json(2 ** -30), '9.31322575e-10');
    assert.equal(float32Json(2 ** 100), '1.2676506e+30');
  });

  it('writes null for what JSON cannot hold', () => {
    assert.equal(float32Json(NaN), 'null');
    assert.equal(float32Json(Infinity), 'null');
  });
});

describe('encodePrediction', () => {
  it('is the JSON of a prediction v1, stream names escaped', () => {
    const output = Float32Array.from([0.25, -1.125, NaN]);
    const text = encodePrediction({ stream: 'pump "17"\n', ts: 1764420000000, partition: 3, offset: '42', model: { name: 'm', version: 7 }, output, latencyMs: 12 });
    assert.deepEqual(JSON.parse(text), {
      v: 1,
      stream: 'pump "17"\n',
      ts: 1764420000000,
      partition: 3,
      offset: '42',
      model: { name: 'm', version: 7 },
      output: [0.25, -1.125, null],
      latencyMs: 12,
    });
  });
});
