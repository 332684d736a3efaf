import { canonicalMapping, deadLetterHeaders, encodePrediction, extractFields, float32Json, isPlainObject, validateEvent, type EventV1, type Rejection } from '@streamcell/events';
import type { ConsumedMessage } from '@streamcell/kafka';
import type { StreamingModel } from '@streamcell/model';
import type { InferenceMetrics } from './inference.metrics';
import type { PartitionTask } from './partition-task';
import { scoreEvent, type AlertRule } from './residual-detector';
import type { StepScheduler } from './step-scheduler';
import type { StreamStore } from './stream-store';
import { planWaves } from './waves';

interface Item {
  readonly message: ConsumedMessage;
  readonly event: EventV1;
}

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
  ) {}

  async process(task: PartitionTask, messages: readonly ConsumedMessage[]): Promise<void> {
    const started = Date.now();
    const items = this.parse(task, messages, started);
    const waves = planWaves((i) => items[i].event.stream, items.length);
    for (const wave of waves) await this.stepWave(task, items, wave, started);
    this.metrics.eventsProcessed.inc(items.length);
    const last = messages[messages.length - 1];
    if (last !== undefined) task.nextOffset = (BigInt(last.offset) + 1n).toString();
  }

  private parse(task: PartitionTask, messages: readonly ConsumedMessage[], now: number): Item[] {
    const width = this.model().bundle.spec.inputWidth;
    const rules = { width, maxStreamIdLength: 4096, streamIdPattern: /^[^\s]+$/, maxFutureSkewMs: Infinity, maxPastSkewMs: Infinity };
    const items: Item[] = [];
    for (const m of messages) {
      let parsed: unknown;
      try {
        parsed = m.value === null ? null : JSON.parse(m.value.toString('utf8'));
      } catch (e) {
        this.deadLetter(task, m, { reason: 'malformed_json', detail: `not valid JSON: ${(e as Error).message}` }, now);
        continue;
      }
      if (!isPlainObject(parsed)) {
        this.deadLetter(task, m, { reason: 'not_an_object', detail: 'an event must be a JSON object' }, now);
        continue;
      }
      // Events on the topic must carry their time; a missing ts here would make replays differ.
      if (parsed.ts === undefined) {
        this.deadLetter(task, m, { reason: 'ts_invalid', detail: 'ts is missing' }, now);
        continue;
      }
      const v = validateEvent(extractFields(parsed, canonicalMapping, m.key?.toString()), rules, now);
      if (!v.ok) this.deadLetter(task, m, v, now);
      else items.push({ message: m, event: v.event });
    }
    return items;
  }

  private deadLetter(task: PartitionTask, m: ConsumedMessage, r: Rejection, now: number): void {
    task.deadLetters.push({
      key: m.key,
      value: m.value,
      headers: deadLetterHeaders(r, { source: this.source, receivedAt: now, origin: `${m.topic}/${m.partition}/${m.offset}` }),
    });
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
    const residuals = stepped.map((it, b) => {
      input.set(it.event.values, b * width);
      task.streams.add(it.event.stream);
      task.dirty.add(it.event.stream);
      return this.store.ensureHot(it.event.stream, started);
    });
    const { output, outputWidth, modelVersion } = await this.scheduler.step(
      stepped.map((it) => it.event.stream),
      input,
    );
    const name = this.model().bundle.name;
    const model = { name, version: modelVersion };
    const features = spec.output.kind === 'next-values' ? spec.output.features : undefined;
    const latencyMs = Date.now() - started;
    for (let b = 0; b < stepped.length; b++) {
      const { event, message } = stepped[b];
      const residual = residuals[b];
      const forecast = output.slice(b * outputWidth, (b + 1) * outputWidth);
      if (spec.output.kind === 'next-values') {
        const verdict = scoreEvent(residual, event.values, features, this.rule);
        if (verdict?.alert === true) {
          task.alerts.push({
            key: event.stream,
            value: JSON.stringify({
              v: 1,
              stream: event.stream,
              ts: event.ts,
              rule: 'residual_zscore',
              score: verdict.score,
              threshold: this.rule.zThreshold,
              residual: verdict.residual,
              // Written as the prediction that made the forecast wrote it (float32 precision).
              expected: Array.from(residual.forecast!, (x) => Number(float32Json(x))),
              actual: features === undefined ? event.values : features.map((f) => event.values[f]),
              model: { name, version: modelVersion },
            }),
          });
          this.metrics.alerts.inc();
        }
        residual.forecast = forecast;
      }
      task.predictions.push({
        key: event.stream,
        value: encodePrediction({ stream: event.stream, ts: event.ts, partition: message.partition, offset: message.offset, model, output: forecast, latencyMs }),
      });
      task.eventTimes.push(event.ts);
    }
    this.metrics.predictions.inc(stepped.length);
  }
}
