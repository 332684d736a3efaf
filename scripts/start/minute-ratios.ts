/**
 * The served forecast's error against last-value per minute of event time, as `check:live` reports
 * it for a running `npm start` and bench:quality for a replay of its workload. Each stream's errors
 * are divided by its own mean absolute change over the run (streams differ in scale), and an
 * injected anomaly and the event after it are left out: no forecaster can know a spike, and the
 * forecast made at it is about the spike, not the stream.
 */

/** One event of a stream, with the forecast served right after it (of the stream's next event). */
export interface ServedEvent {
  readonly ts: number;
  readonly values: ArrayLike<number>;
  readonly anomaly: boolean;
  /** Undefined when no forecast was served after this event. */
  readonly forecast: ArrayLike<number> | undefined;
}

export interface MinuteSums {
  /** Σ |forecast − actual| / stream scale. */
  model: number;
  /** Σ |previous − actual| / stream scale. */
  naive: number;
}

/** Per-minute sums (minute 0 starts at `startTs`); a stream whose values never change is skipped. */
export function minuteSums(streams: Iterable<readonly ServedEvent[]>, startTs: number): Map<number, MinuteSums> {
  const minutes = new Map<number, MinuteSums>();
  for (const list of streams) {
    if (list.length < 2) continue;
    const width = list[0].values.length;
    let scale = 0;
    for (let k = 1; k < list.length; k++) for (let j = 0; j < width; j++) scale += Math.abs(list[k].values[j] - list[k - 1].values[j]);
    scale /= (list.length - 1) * width;
    if (!(scale > 0)) continue;
    for (let k = 1; k < list.length; k++) {
      const f = list[k - 1].forecast;
      if (f === undefined || list[k].anomaly || list[k - 1].anomaly) continue;
      const m = Math.floor((list[k].ts - startTs) / 60_000);
      const row = minutes.get(m) ?? { model: 0, naive: 0 };
      for (let j = 0; j < width; j++) {
        row.model += Math.abs(f[j] - list[k].values[j]) / scale;
        row.naive += Math.abs(list[k - 1].values[j] - list[k].values[j]) / scale;
      }
      minutes.set(m, row);
    }
  }
  return new Map([...minutes.entries()].sort((a, b) => a[0] - b[0]));
}

/** The whole run's ratio and the worst minute's, from minuteSums. */
export function summarise(minutes: ReadonlyMap<number, MinuteSums>): { ratio: number; worstMinuteRatio: number } {
  const rows = [...minutes.values()];
  const total = rows.reduce((a, r) => ({ model: a.model + r.model, naive: a.naive + r.naive }), { model: 0, naive: 0 });
  return { ratio: total.model / total.naive, worstMinuteRatio: Math.max(...rows.map((r) => r.model / r.naive)) };
}
