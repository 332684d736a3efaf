import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePrediction, encodePrediction, float32Json, type PredictionV1 } from './prediction';

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

describe('decodePrediction', () => {
  const prediction: PredictionV1 = {
    stream: 'pump-17',
    ts: 1764420000000,
    partition: 3,
    offset: '9007199254740993', // above 2^53: why offsets are strings
    model: { name: 'default', version: 7 },
    output: [0.25, -1.125],
    latencyMs: 1.5,
    threshold: 0.5,
  };
  const encoded = (changes: Record<string, unknown>): string => JSON.stringify({ ...(JSON.parse(encodePrediction(prediction)) as object), ...changes });

  it('reads back what encodePrediction wrote, from bytes or text', () => {
    assert.deepEqual(decodePrediction(Buffer.from(encodePrediction(prediction))), { ok: true, prediction });
    assert.deepEqual(decodePrediction(encodePrediction(prediction)), { ok: true, prediction });
  });

  it('reads back float32 outputs exactly, nulls as NaN, escaped names, and no threshold while warming up', () => {
    const output = Float32Array.from([0.1, -3.4028234663852886e38, 1.401298464324817e-45, NaN, Infinity]);
    const decoded = decodePrediction(Buffer.from(encodePrediction({ ...prediction, stream: 'pump "17"\n é', output, threshold: undefined })));
    assert.ok(decoded.ok);
    assert.equal(decoded.prediction.stream, 'pump "17"\n é');
    assert.deepEqual(decoded.prediction.output.slice(0, 3).map(Math.fround), [...output.slice(0, 3)]);
    assert.ok(Number.isNaN(decoded.prediction.output[3]) && Number.isNaN(decoded.prediction.output[4]));
    assert.equal('threshold' in decoded.prediction, false, 'absent, not undefined');
    // A non-finite threshold is written as absent too, and an empty head output is still a prediction.
    const bare = decodePrediction(encodePrediction({ ...prediction, output: [], threshold: NaN }));
    assert.ok(bare.ok);
    assert.deepEqual(bare.prediction.output, []);
    assert.equal(bare.prediction.threshold, undefined);
  });

  it('refuses what is not prediction v1 JSON, with the reason and the field', () => {
    const cases: [string | null, string, RegExp][] = [
      [null, 'malformed_json', /no value/],
      ['{"v":1,', 'malformed_json', /not JSON/],
      ['[1]', 'invalid_prediction', /an array/],
      ['null', 'invalid_prediction', /got null/],
      [encoded({ v: 2 }), 'unsupported_version', /"v" is 2/],
      [JSON.stringify({ stream: 'x' }), 'unsupported_version', /"v" is missing/],
      [encoded({ stream: '' }), 'invalid_prediction', /"stream"/],
      [encoded({ ts: '2026' }), 'invalid_prediction', /"ts"/],
      [encoded({ partition: -1 }), 'invalid_prediction', /"partition"/],
      [encoded({ offset: 42 }), 'invalid_prediction', /"offset"/],
      [encoded({ model: { name: 'm', version: 1.5 } }), 'invalid_prediction', /"model"/],
      [encoded({ model: { version: 1 } }), 'invalid_prediction', /"model"/],
      [encoded({ output: ['0.5'] }), 'invalid_prediction', /"output"/],
      [encoded({ output: undefined }), 'invalid_prediction', /"output"/],
      [encoded({ latencyMs: null }), 'invalid_prediction', /"latencyMs"/],
      [encoded({ threshold: null }), 'invalid_prediction', /"threshold"/],
    ];
    for (const [input, reason, detail] of cases) {
      const decoded = decodePrediction(input);
      assert.equal(decoded.ok, false, String(input));
      if (!decoded.ok) {
        assert.equal(decoded.reason, reason, String(input));
        assert.match(decoded.detail, detail, String(input));
      }
    }
  });
});
