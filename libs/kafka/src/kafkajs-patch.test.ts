import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

// patches/kafkajs+2.2.4.patch, applied by npm's postinstall (patch-package), replaces kafkajs's
// per-send grouping of messages by partition, which copied a partition's array for every message
// (O(n²) in one send's messages; the quadratic part dominated large prediction sends).
const modulePath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition');

type Group = (args: { topic: string; partitionMetadata: unknown[]; messages: { key: string }[]; partitioner: (a: { message: { key: string } }) => number }) => Record<string, { key: string }[]>;

describe('the kafkajs grouping patch', () => {
  it('is applied to the installed kafkajs', () => {
    assert.match(readFileSync(modulePath, 'utf8'), /streamcell patch/, 'run `npm ci` (its postinstall applies patches/)');
  });

  it('groups by partition keeping each partition in send order', async () => {
    const group = ((await import(modulePath)) as { default: Group }).default;
    const messages = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}` }));
    const byPartition = group({ topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner: ({ message }) => Number(message.key.slice(1)) % 3 });
    assert.deepEqual(Object.keys(byPartition).sort(), ['0', '1', '2']);
    for (const [p, list] of Object.entries(byPartition)) {
      assert.deepEqual(
        list.map((m) => m.key),
        messages.filter((_, i) => i % 3 === Number(p)).map((m) => m.key),
      );
    }
    assert.deepEqual(group({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 }), {});
  });
});

// The same patch keeps kafkajs's request queue from scheduling a check when nothing is pending:
// with its default `throttledUntil = -1` the delay was -Date.now(), which Node 24 warns about on
// every request (TimeoutNegativeWarning; tulios/kafkajs#1751) while spinning a 1 ms timer loop.
describe('the kafkajs request-queue patch', () => {
  it('schedules no check when nothing is pending and nothing is throttled', async () => {
    const RequestQueue = ((await import(require.resolve('kafkajs/src/network/requestQueue'))) as { default: new (o: object) => { scheduleCheckPendingRequests(): void; throttleCheckTimeoutId: unknown } }).default;
    const logger = { namespace: () => logger, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const queue = new RequestQueue({ instrumentationEmitter: null, maxInFlightRequests: 1, requestTimeout: 1000, enforceRequestTimeout: false, clientId: 'c', broker: 'b', logger, isConnected: () => true });
    queue.scheduleCheckPendingRequests();
    assert.equal(queue.throttleCheckTimeoutId ?? null, null, 'no timer for an idle, unthrottled queue');
  });
});

// The same patch makes kafkajs's produce path allocate less (issue 12, docs/decisions.md): an
// unpooled, zero-filled buffer per record, varints through temporary arrays and Buffers, Long
// objects for every varlong and for murmur2. Each rewrite must put the very same bytes on the wire.
type EncoderLike = { buffer: Buffer; size(): number };
interface EncoderClass {
  new (size?: number): EncoderLike & { writeVarLong(v: number): EncoderLike; writeVarInt(v: number): EncoderLike; writeInt64(v: number | string): EncoderLike };
  sizeOfVarLong(v: number): number;
}
const kafkajsModule = async <T>(path: string): Promise<T> => ((await import(require.resolve(`kafkajs/src/${path}`))) as { default: T }).default;

/** Zig-zag LEB128 of a signed 64-bit value, from its definition (BigInt). */
function varlongReference(v: bigint): Buffer {
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

/** murmur2 as the Java client computes it (32-bit int arithmetic), written with BigInt. */
function murmur2Reference(data: Buffer): number {
  const m = 0x5bd1e995n;
  const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
  let h = u32(0x9747b28cn ^ BigInt(data.length));
  const n4 = data.length >> 2;
  for (let i = 0; i < n4; i++) {
    let k = BigInt(data.readUInt32LE(i * 4));
    k = u32(k * m);
    k ^= k >> 24n;
    k = u32(k * m);
    h = u32(h * m) ^ k;
  }
  const tail = data.length & ~3;
  const rest = data.length % 4;
  if (rest >= 3) h ^= BigInt(data[tail + 2]) << 16n;
  if (rest >= 2) h ^= BigInt(data[tail + 1]) << 8n;
  if (rest >= 1) h = u32((h ^ BigInt(data[tail])) * m);
  h ^= h >> 13n;
  h = u32(h * m);
  h ^= h >> 15n;
  return Number(BigInt.asIntN(32, h));
}

describe('the kafkajs produce-encoding patch', () => {
  it('writes varlongs and int64s as their definitions say, on both the number fast path and the Long path', async () => {
    const Encoder = await kafkajsModule<EncoderClass>('protocol/encoder');
    assert.match(readFileSync(require.resolve('kafkajs/src/protocol/encoder'), 'utf8'), /streamcell patch/);
    const values = [0, 1, -1, 63, 64, -64, -65, 127, 128, 300, -300, 2 ** 30, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 40, 1733170000123, -1733170000123, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (const v of values) {
      assert.deepEqual(new Encoder().writeVarLong(v).buffer, varlongReference(BigInt(v)), `varlong ${v}`);
      assert.equal(Encoder.sizeOfVarLong(v), varlongReference(BigInt(v)).length, `size of varlong ${v}`);
      const int64 = Buffer.alloc(8);
      int64.writeBigInt64BE(BigInt(v));
      assert.deepEqual(new Encoder().writeInt64(v).buffer, int64, `int64 ${v}`);
    }
    const big = Buffer.alloc(8);
    big.writeBigInt64BE(123456789012345678n);
    assert.deepEqual(new Encoder().writeInt64('123456789012345678').buffer, big, 'int64 from a string (Long path)');
  });

  it('hashes keys exactly as the Java client does (murmur2), strings as their UTF-8 bytes', async () => {
    const murmur2 = await kafkajsModule<(key: string | Buffer) => number>('producer/partitioners/default/murmur2');
    const keys = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'sensor-1', 'sensor-999', 'ünïcødé-ß', '日本語のキー', '\u0000\u007f\u0080\uffff'];
    for (let i = 0; i < 500; i++) keys.push(Buffer.from(Array.from({ length: i % 37 }, (_, j) => (i * 31 + j * 7) & 0xff)).toString('latin1'));
    for (const k of keys) {
      const bytes = Buffer.from(k, 'utf8');
      assert.equal(murmur2(k), murmur2Reference(bytes), `string ${JSON.stringify(k)}`);
      assert.equal(murmur2(bytes), murmur2Reference(bytes), `buffer ${bytes.toString('hex')}`);
    }
  });

  it('encodes an uncompressed batch written into one encoder byte for byte as record by record, and it reads back', async () => {
    const Record = await kafkajsModule<((r: object) => EncoderLike) & { writeRecord: (e: EncoderLike, ...a: unknown[]) => EncoderLike }>('protocol/recordBatch/record/v0');
    const { RecordBatch } = await kafkajsModule<{ RecordBatch: (o: object) => Promise<EncoderLike> }>('protocol/recordBatch/v0');
    const Encoder = await kafkajsModule<EncoderClass>('protocol/encoder');
    const Decoder = await kafkajsModule<new (b: Buffer) => unknown>('protocol/decoder');
    const decodeBatch = await kafkajsModule<(d: unknown) => Promise<{ records: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]>; offset: string }[] }>>('protocol/recordBatch/v0/decoder');
    const messages = Array.from({ length: 300 }, (_, i) => ({
      key: i % 3 === 0 ? null : i % 3 === 1 ? Buffer.from(`k${i}`) : `sensor-${i}`,
      value: i % 5 === 0 ? null : i % 5 === 1 ? Buffer.from('x'.repeat(i)) : `{"i":${i},"ü":"${'y'.repeat(i % 200)}"}`,
      headers: i % 4 === 0 ? { h: 'v', many: ['1', Buffer.from('2')] } : i % 4 === 1 ? undefined : {},
      timestampDelta: i % 7 === 0 ? 2 ** 33 + i : i % 2 === 0 ? 0 : -i,
    }));
    const common = { firstTimestamp: 1733170000000, maxTimestamp: 1733170000300, producerId: 7, producerEpoch: 2, firstSequence: 11, transactional: true, lastOffsetDelta: messages.length - 1 };
    const records = messages.map((m, i) => Record({ ...m, headers: m.headers ?? {}, offsetDelta: i }));
    const encodedRecords = new Encoder();
    messages.forEach((m, i) => Record.writeRecord(encodedRecords, i, m.timestampDelta, m.key, m.value, m.headers));
    const perRecord = (await RecordBatch({ ...common, records })).buffer;
    const oneEncoder = (await RecordBatch({ ...common, encodedRecords, recordCount: messages.length })).buffer;
    assert.deepEqual(oneEncoder, perRecord);
    const read = await decodeBatch(new Decoder(oneEncoder));
    assert.equal(read.records.length, messages.length);
    read.records.forEach((r, i) => {
      const m = messages[i];
      assert.equal(r.key?.toString() ?? null, m.key === null ? null : m.key.toString());
      assert.equal(r.value?.toString() ?? null, m.value === null ? null : m.value.toString());
      if (i % 4 === 0) assert.deepEqual(Object.keys(r.headers), ['h', 'many']);
    });
  });
});

// The same patch reads offsets and timestamps on the fetch path as numbers where they are exact,
// instead of a Long parsed, added to and printed per record (issue 12). The strings a consumer
// sees must be those of the Long arithmetic: checked against BigInt, on both sides of 2^53.
describe('the kafkajs fetch-decoding patch', () => {
  type Message = { offset: string; timestamp: string };
  const decodeAll = async (firstOffset: string, firstTimestamp: number, deltas: readonly bigint[]): Promise<Message[]> => {
    const Long = await kafkajsModule<{ fromString(s: string): unknown }>('utils/long');
    const Record = await kafkajsModule<(r: object) => EncoderLike>('protocol/recordBatch/record/v0');
    const { RecordBatch } = await kafkajsModule<{ RecordBatch: (o: object) => Promise<EncoderLike> }>('protocol/recordBatch/v0');
    const Decoder = await kafkajsModule<new (b: Buffer) => unknown>('protocol/decoder');
    const decodeBatch = await kafkajsModule<(d: unknown) => Promise<{ records: Message[] }>>('protocol/recordBatch/v0/decoder');
    const records = deltas.map((d, i) => Record({ offsetDelta: i, timestampDelta: Long.fromString(d.toString()), key: Buffer.from(`k${i}`), value: Buffer.from('v') }));
    const batch = await RecordBatch({ firstOffset: Long.fromString(firstOffset), firstTimestamp, maxTimestamp: firstTimestamp, lastOffsetDelta: deltas.length - 1, records });
    return (await decodeBatch(new Decoder(batch.buffer))).records;
  };
  // Zero, small of both signs, 6- and 7-byte varlongs (the number path; ±2^48 are the largest that
  // fit 7 bytes), an 8-byte and two 9-byte ones (Long).
  const deltas = [0n, 5n, -3n, 2n ** 40n, -(2n ** 45n), 2n ** 48n - 1n, -(2n ** 48n), 2n ** 50n, 2n ** 55n, -(2n ** 62n)];

  it('gives every record the offset and timestamp the Long arithmetic gives, on the number path and past 2^53', async () => {
    assert.match(readFileSync(require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder'), 'utf8'), /streamcell patch/);
    for (const firstOffset of ['0', '123456789', '9007199254740990', '123456789012345678']) {
      for (const firstTimestamp of [1733170000123, -1]) {
        const read = await decodeAll(firstOffset, firstTimestamp, deltas);
        read.forEach((m, i) => {
          assert.equal(m.offset, (BigInt(firstOffset) + BigInt(i)).toString(), `offset ${firstOffset} + ${i}`);
          assert.equal(m.timestamp, BigInt.asIntN(64, BigInt(firstTimestamp) + deltas[i]).toString(), `timestamp ${firstTimestamp} + ${deltas[i]}`);
        });
      }
    }
  });

  it('keeps the records at or after the fetched offset, compared exactly on both sides of 2^53', async () => {
    const Batch = await kafkajsModule<new (topic: string, fetched: string, data: object) => { messages: Message[] }>('consumer/batch');
    for (const firstOffset of ['1000', '9007199254740990']) {
      const read = await decodeAll(firstOffset, 1733170000123, deltas);
      for (const skip of [0, 3, deltas.length]) {
        const fetched = (BigInt(firstOffset) + BigInt(skip)).toString();
        const kept = new Batch('t', fetched, { partition: 0, highWatermark: '0', messages: read, abortedTransactions: [] }).messages;
        assert.deepEqual(kept.map((m) => m.offset), read.slice(skip).map((m) => m.offset), `fetched ${fetched}`);
      }
    }
  });
});
