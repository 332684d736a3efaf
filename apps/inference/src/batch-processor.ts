import { deadLetterHeaders, decodeEvent, encodeAlert, encodePrediction, fitDeadLetter, topicEventRules, type DeadLetterReason, type EventV1 } from '@streamcell/events';
import { partitionOfKey, type ConsumedMessage } from '@streamcell/kafka';
import { forecastFeatures, type StreamingModel } from '@streamcell/model';
import type { InferenceMetrics } from './inference.metrics';
import type { PartitionTask } from './partition-task';
import { alertThreshold, scoreEvent, type AlertRule, type ResidualState } from './residual-detector';
import type { StepScheduler } from './step-scheduler';
import type { StreamStore } from './stream-store';
import { planWaves } from './waves';

interface Item {
  readonly message: ConsumedMessage;
  readonly event: EventV1;
}

/** Streams whose partition is cached (routedHere) before the cache starts over: bounds it under stream churn. */
const MAX_CACHED_ROUTES = 100_000;

/**
 * Turns one fetched batch of a partition into pending outputs on its task: invalid events to the
 * dead-letter list, `end` events drop their stream, the rest are stepped in waves (each stream at
 * most once per wave, in order), each producing a prediction and, when the residual against the
 * previous forecast is unusual for the stream, an alert.
 */
export class BatchProcessor {
  constructor(
    private readonly store: StreamStore,
    private readonly scheduler: StepScheduler,
    private readonly model: () => StreamingModel,
    private readonly rule: AlertRule,
    private readonly metrics: InferenceMetrics,
    private readonly source: string,
    /** Partitions of the events topic, once known: events on another partition than their stream hashes to are dead-lettered. */
    private readonly partitionCount: () => number | undefined = () => undefined,
  ) {}

  /** Each stream's partition under `routesFor` partitions: a stream's events keep coming, murmur2 of its id need not. */
  private readonly routes = new Map<string, number>();
  private routesFor: number | undefined;

  async process(task: PartitionTask, messages: readonly ConsumedMessage[]): Promise<void> {
    const started = Date.now();
    const items = this.parse(task, messages, started);
    const waves = planWaves((i) => items[i].event.stream, items.length, this.model().table.capacity);
    for (const wave of waves) await this.stepWave(task, items, wave, started);
    this.metrics.eventsProcessed.inc(items.length);
    const last = messages[messages.length - 1];
    if (last !== undefined) task.nextOffset = (BigInt(last.offset) + 1n).toString();
  }

  private parse(task: PartitionTask, messages: readonly ConsumedMessage[], now: number): Item[] {
    const width = this.model().bundle.spec.inputWidth;
    const rules = topicEventRules(width);
    const items: Item[] = [];
    for (const m of messages) {
      // Read the way the trainer and the live view read events (libs/events).
      const v = decodeEvent(m.value, rules, { key: m.key?.toString(), now });
      if (!v.ok) this.deadLetter(task, m, v, now);
      else if (this.routedHere(task, m, v.event.stream, now)) items.push({ message: m, event: v.event });
    }
    return items;
  }

  /**
   * Whether the event is on the partition its stream id hashes to (murmur2, as ingest and the Java
   * client partition). One stream on two partitions would get two independent states on two
   * workers, each silently wrong, so an event elsewhere is dead-lettered (`misrouted`) instead.
   * The stream id is hashed, not the key: the state is the stream's, whatever key was sent.
   */
  private routedHere(task: PartitionTask, m: ConsumedMessage, stream: string, now: number): boolean {
    const partitions = this.partitionCount();
    if (partitions === undefined) return true;
    const expected = this.expectedPartition(stream, partitions);
    if (expected === m.partition) return true;
    this.metrics.misrouted.inc();
    const detail = `stream ${JSON.stringify(stream)} belongs on partition ${expected} of ${partitions} (murmur2 of the stream id, as the Java client's default partitioner), not ${m.partition}; produce with key = stream id and the default partitioner`;
    this.deadLetter(task, m, { reason: 'misrouted', detail }, now);
    return false;
  }

  private expectedPartition(stream: string, partitions: number): number {
    if (this.routesFor !== partitions || this.routes.size >= MAX_CACHED_ROUTES) {
      this.routes.clear();
      this.routesFor = partitions;
    }
    let p = this.routes.get(stream);
    if (p === undefined) this.routes.set(stream, (p = partitionOfKey(stream, partitions)));
    return p;
  }

  private deadLetter(task: PartitionTask, m: ConsumedMessage, r: { readonly reason: DeadLetterReason; readonly detail: string }, now: number): void {
    const headers = deadLetterHeaders(r, { source: this.source, receivedAt: now, origin: `${m.topic}/${m.partition}/${m.offset}` });
    task.deadLetters.push({ key: m.key, ...(m.value === null ? { value: null, headers } : fitDeadLetter(m.value, headers)) });
    this.metrics.dlq.inc({ reason: r.reason });
  }

  private async stepWave(task: PartitionTask, items: readonly Item[], wave: readonly number[], started: number): Promise<void> {
    const spec = this.model().bundle.spec;
    const width = spec.inputWidth;
    const stepped: Item[] = [];
    for (const i of wave) {
      const item = items[i];
      if (item.event.end === true) {
        this.store.drop(item.event.stream);
        task.dirty.add(item.event.stream);
        task.streams.delete(item.event.stream);
      } else stepped.push(item);
    }
    if (stepped.length === 0) return;
    const input = new Float32Array(stepped.length * width);
    const residuals: ResidualState[] = new Array<ResidualState>(stepped.length);
    const streams: string[] = new Array<string>(stepped.length);
    for (let b = 0; b < stepped.length; b++) {
      const stream = stepped[b].event.stream;
      input.set(stepped[b].event.values, b * width);
      streams[b] = stream;
    }
    // Revived right before the step, with the waves merged into it (see StepScheduler.step), and
    // only then the partition's: a TTL sweep or an architecture swap queued ahead of the step
    // drops the partition's streams, and one listed before it would get fresh state from the step
    // with no partition owning it (left out of checkpoints, never tombstoned, kept at a revoke).
    const revive = (): void => {
      for (let b = 0; b < streams.length; b++) {
        residuals[b] = this.store.ensureHot(streams[b], started);
        task.streams.add(streams[b]);
        task.dirty.add(streams[b]);
      }
    };
    const { output, outputWidth, modelVersion } = await this.scheduler.step(streams, input, revive);
    const reset = this.resetNonFinite(task, stepped, output, outputWidth, started);
    const name = this.model().bundle.name;
    const model = { name, version: modelVersion };
    const features = forecastFeatures(spec);
    const latencyMs = Date.now() - started;
    for (let b = 0; b < stepped.length; b++) {
      if (reset.has(b)) continue;
      const { event, message } = stepped[b];
      const residual = residuals[b];
      const forecast = output.slice(b * outputWidth, (b + 1) * outputWidth);
      let threshold: number | undefined;
      if (features !== null) {
        this.judge(task, event, residual, features, name);
        residual.forecast = forecast;
        residual.forecastVersion = modelVersion;
        const t = alertThreshold(residual, this.rule);
        if (Number.isFinite(t)) threshold = t;
      }
      // As UTF-8 bytes at once: the text is a tree of many small strings until something
      // flattens it, and pending predictions live until their commit (old-generation GC work
      // per piece); the producer then copies bytes instead of encoding text (measured:
      // docs/decisions.md, issue 12 speed).
      const text = encodePrediction({ stream: event.stream, ts: event.ts, partition: message.partition, offset: message.offset, model, output: forecast, latencyMs, threshold });
      task.predictions.push({ key: event.stream, value: Buffer.from(text, 'utf8') });
      task.eventTimes.push(event.ts);
    }
    this.metrics.predictions.inc(stepped.length - reset.size);
  }

  /**
   * Scores the event against the forecast made at the stream's previous event; an earlier outlier
   * candidate that this event confirms becomes an alert, and the forecast errors (the model's and
   * last-value's, relative to the stream's scale) feed the quality metrics.
   */
  private judge(task: PartitionTask, event: EventV1, residual: ResidualState, features: readonly number[], name: string): void {
    const actual = new Float32Array(features.length);
    for (let j = 0; j < features.length; j++) actual[j] = event.values[features[j]];
    const verdict = scoreEvent(residual, actual, event.ts, this.rule);
    if (verdict === undefined) return;
    if (Number.isFinite(verdict.relativeError) && Number.isFinite(verdict.relativeNaiveError)) {
      this.metrics.forecastError.observe(verdict.relativeError, verdict.relativeNaiveError);
    }
    const a = verdict.alert;
    if (a === null) return;
    task.alerts.push({
      key: event.stream,
      value: encodeAlert({
        stream: event.stream,
        ts: a.ts,
        rule: 'residual_zscore',
        score: a.score,
        threshold: a.threshold,
        residual: a.residual,
        expected: a.expected,
        actual: a.actual,
        model: { name, version: a.modelVersion },
      }),
    });
    this.metrics.alerts.inc();
  }

  /**
   * Defence in depth behind validation: a stream whose state or forecast is no longer finite
   * after this step (an input the model overflowed on) is reset to no state, so the NaN is never
   * written to the changelog (the stream's record becomes a tombstone) nor served as a forecast.
   * Its event is dead-lettered with the reason and the reset counted; the stream starts over on
   * its next event. Returns the positions in `stepped` that were reset.
   */
  private resetNonFinite(task: PartitionTask, stepped: readonly Item[], output: Float32Array, outputWidth: number, now: number): Set<number> {
    const reset = new Set<number>();
    for (let b = 0; b < stepped.length; b++) {
      const { event, message } = stepped[b];
      if (this.store.hasFiniteState(event.stream) && allFinite(output, b * outputWidth, (b + 1) * outputWidth)) continue;
      reset.add(b);
      this.store.drop(event.stream);
      task.dirty.add(event.stream);
      this.metrics.streamResets.inc({ reason: 'state_not_finite' });
      const detail = `the model's state or output for stream ${JSON.stringify(event.stream)} was not finite after this event; the stream's state was reset`;
      this.deadLetter(task, message, { reason: 'state_not_finite', detail }, now);
    }
    return reset;
  }
}

function allFinite(a: Float32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
