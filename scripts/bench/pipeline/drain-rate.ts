/**
 * How bench:pipeline times a drain: progress samples (events committed by the group, or passed
 * through) and the rate taken from them.
 */
// eslint-disable-next-line no-restricted-imports
import type { Admin } from 'kafkajs';

/** Events the group has committed on `topic`, through an admin client kept connected: a sample every ~100 ms, not every connect. */
export async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (res?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

/** Records on the topic now (the sum of its partitions' end offsets): what a new group must drain. */
export async function topicTotal(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
}

export interface Sample {
  readonly t: number;
  readonly n: number;
}

export type RateWindow = '10-90%' | 'whole drain';

/**
 * Events/s between 10 % and 90 % of the backlog (from readiness on, when that is later). A backlog
 * with no such window (its 10 % point after readiness, its 90 % point in a later sample) has its
 * whole drain's rate instead, from the last sample with nothing done to the first with all of it,
 * and says so: small mode's, which one thread drains while another is still joining the group (the
 * worker is ready only when all are), or one drained between two samples. That rate is rough: it
 * includes some start-up and misses what ran before the first progress was visible. NaN when the
 * samples never reach `total` or span no time.
 */
export function steadyRate(samples: readonly Sample[], total: number, readyAt = 0): { eventsPerSec: number; window: RateWindow } {
  const from = samples.find((x) => x.n >= 0.1 * total && x.n < 0.9 * total && x.t >= readyAt);
  const to = from && samples.find((x) => x.n >= 0.9 * total && x.t > from.t);
  if (from && to) return { eventsPerSec: (to.n - from.n) / ((to.t - from.t) / 1000), window: '10-90%' };
  const done = samples.findIndex((x) => x.n >= total);
  let start = 0;
  for (let i = 0; i < done; i++) if (samples[i].n === 0) start = i;
  const [first, end] = [samples[start], samples[done]];
  if (done <= 0 || end.t <= first.t) return { eventsPerSec: NaN, window: 'whole drain' };
  return { eventsPerSec: (end.n - first.n) / ((end.t - first.t) / 1000), window: 'whole drain' };
}
