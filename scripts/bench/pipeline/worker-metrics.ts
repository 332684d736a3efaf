/**
 * What bench:pipeline reads from the worker under test: its readiness, and its own metrics, from
 * which each phase's profile line (step and commit time, batch sizes, end-to-end latency) is made.
 */
import { emit } from '../broker';

export async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

export type MetricValues = (name: string) => number;

export async function scrape(port: number): Promise<MetricValues> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return (name) => Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1] ?? NaN);
}

/** The worker's own histograms between two scrapes: how long steps and commits took, and how big. */
export function emitWhereTimeGoes(mode: string, threads: number, phase: 'drain' | 'live', seconds: number, before: MetricValues, after: MetricValues): void {
  const value = (name: string): number => after(name) - (Number.isNaN(before(name)) ? 0 : before(name));
  const avg = (h: string): number => value(`${h}_sum`) / value(`${h}_count`);
  const steps = value('streamcell_inference_step_duration_seconds_count');
  const commits = value('streamcell_inference_commit_duration_seconds_count');
  emit({
    bench: 'pipeline.profile',
    mode,
    threads,
    phase,
    seconds: Math.round(seconds * 100) / 100,
    steps,
    avgStepBatch: Math.round(avg('streamcell_inference_step_batch_size')),
    avgStepMs: Math.round(avg('streamcell_inference_step_duration_seconds') * 1e5) / 100,
    stepShare: Math.round((value('streamcell_inference_step_duration_seconds_sum') / seconds) * 1000) / 1000,
    commits,
    avgCommitMs: Math.round(avg('streamcell_inference_commit_duration_seconds') * 1e5) / 100,
    avgEventsPerCommit: Math.round(value('streamcell_inference_predictions_total') / commits),
    avgEndToEndMs: Math.round(avg('streamcell_inference_end_to_end_latency_seconds') * 1e5) / 100,
  });
}
