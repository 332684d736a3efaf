/**
 * `npm run check:live [-- --streams 300 --rate 300 --shift-after-seconds 240]`: how good the
 * forecasts and alerts of a running `npm start` are, read back from its topics (read_committed).
 * It replays npm start's workload generator with the same options (deterministic for its seed) to
 * know which events carried an injected anomaly, then prints one JSON line per minute of event time
 * (served forecast error vs last-value, each stream relative to its own last-value error) and a
 * summary with the alerts' precision and recall. Run it while or after `npm start` runs; options
 * must match npm start's.
 */
import { loadConfig } from '@streamcell/config';
import { kafkaConnectionSchema } from '@streamcell/kafka';
import { readTopicToEnd } from '@streamcell/testing';
import { SignalGenerator } from '@streamcell/workload';
import { inferenceSchema } from '../../apps/inference/src/config';
import { minuteSums, summarise } from './minute-ratios';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

interface Event {
  stream: string;
  ts: number;
  values: number[];
}

async function main(): Promise<void> {
  const streams = arg('streams', 300);
  const rate = arg('rate', 300);
  const shiftAfterSeconds = arg('shift-after-seconds', 240);
  // The broker npm start runs (it listens on KAFKA_PORT when set), unless KAFKA_BROKERS says otherwise.
  const env = { KAFKA_BROKERS: `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`, ...process.env };
  const connection = loadConfig(kafkaConnectionSchema, env);
  const topics = loadConfig(inferenceSchema, env);
  // Each topic up to its end offsets when it is read: events first, so that the predictions and
  // alerts read after them cover every event (a running npm start keeps writing; waiting for the
  // topics to go quiet would never end while it runs).
  const read = async (topic: string): Promise<Record<string, unknown>[]> => (await readTopicToEnd(connection, topic, 300_000)).map((m) => JSON.parse(m.value!.toString()) as Record<string, unknown>);
  const eventMsgs = await read(topics.events);
  const predictionMsgs = await read(topics.predictions);
  const alertMsgs = await read(topics.alerts);
  const events = eventMsgs as unknown as Event[];
  const width = events[0]?.values.length ?? 8;

  // The generator's anomaly labels, by stream and per-stream event index (as system.ts builds it).
  const generator = new SignalGenerator({ streams, width, period: 120, shiftAt: Math.max(1, Math.round((shiftAfterSeconds * rate) / streams)) });
  const perStream = new Map<string, Event[]>();
  for (const e of events) {
    const list = perStream.get(e.stream) ?? [];
    list.push(e);
    perStream.set(e.stream, list);
  }
  const longest = Math.max(...[...perStream.values()].map((l) => l.length));
  const anomalous = new Set<string>();
  for (let k = 0; k < longest; k++) {
    for (let i = 0; i < streams; i++) {
      const g = generator.next(i);
      const e = perStream.get(g.stream)?.[k];
      if (g.anomaly && e !== undefined) anomalous.add(`${e.stream}@${e.ts}`);
    }
  }
  const forecastAt = new Map<string, number[]>();
  for (const p of predictionMsgs) forecastAt.set(`${String(p['stream'])}@${Number(p['ts'])}`, p['output'] as number[]);
  const start = events.reduce((m, e) => Math.min(m, e.ts), Number.POSITIVE_INFINITY);
  const shiftTs = start + shiftAfterSeconds * 1000;
  const served = [...perStream.values()].map((list) =>
    list.map((e) => {
      const key = `${e.stream}@${e.ts}`;
      return { ts: e.ts, values: e.values, anomaly: anomalous.has(key), forecast: forecastAt.get(key) };
    }),
  );
  const minutes = minuteSums(served, start);
  for (const [m, r] of minutes) {
    process.stdout.write(`${JSON.stringify({ check: 'live', minute: m, ratioToLastValue: Number((r.model / r.naive).toFixed(4)) })}\n`);
  }
  const alerted = new Set(alertMsgs.map((a) => `${String(a['stream'])}@${Number(a['ts'])}`));
  const hits = [...alerted].filter((k) => anomalous.has(k)).length;
  const afterShift = (keys: Iterable<string>): string[] => [...keys].filter((k) => Number(k.split('@')[1]) >= shiftTs);
  const summary = summarise(minutes);
  process.stdout.write(
    `${JSON.stringify({
      check: 'live',
      events: events.length,
      predictions: predictionMsgs.length,
      ratioToLastValue: Number(summary.ratio.toFixed(4)),
      worstMinuteRatio: Number(summary.worstMinuteRatio.toFixed(4)),
      anomalies: anomalous.size,
      alerts: alerted.size,
      alertPrecision: alerted.size === 0 ? null : Number((hits / alerted.size).toFixed(4)),
      alertRecall: anomalous.size === 0 ? null : Number((hits / anomalous.size).toFixed(4)),
      alertRecallAfterShift: Number((afterShift(alerted).filter((k) => anomalous.has(k)).length / Math.max(1, afterShift(anomalous).length)).toFixed(4)),
      alertsInFirstMinuteAfterShift: [...alerted].filter((k) => Number(k.split('@')[1]) >= shiftTs && Number(k.split('@')[1]) < shiftTs + 60_000).length,
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`check:live failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
