/**
 * `npm run bench:quality [-- --small]`: prediction quality as a measured property (issue 9). A
 * labelled workload (libs/workload qualityWorkload: seasonality, noise, spikes, level shifts, flat
 * stretches, trends, injected anomalies, a regime shift, magnitudes over seven orders) and a real
 * public dataset go through StreamingModel, the online trainer and the residual detector in
 * simulated stream time (quality/simulate.ts). Forecasts are compared, in the same run, with
 * last-value, seasonal-naive and an online River model (quality/river_peer.py; null when River is
 * not installed). Errors are relative to each series' own last-value error (quality/scoring.ts).
 * On the synthetic workload an oracle is scored too: the generator's own expectation of each
 * event, from its true parameters and clean state (libs/workload). No real forecaster knows
 * those, so the oracle's error is a lower bound on what any model could reach there, not a target.
 *
 * `npm start`'s own workload (300 sensor streams of width 8, a regime shift at minute 4) is replayed
 * the same way with npm start's trainer settings (quality/start-replay.ts) and scored per minute
 * as `check:live` scores a running system: what a new user sees in the first minutes.
 *
 * Prints JSON lines: one per minute of stream time, one for the real dataset, one for npm start's
 * workload ({"bench":"quality","dataset":"npm-start","minutes":[…],"ratio","worstMinuteRatio",…}),
 * one per workload kind ({"bench":"quality","kind","series","afterWarmUp":{"mae","naiveMae","oracleMae","peerMae"}}),
 * and last {"bench":"quality","mae","naiveMae","seasonalMae","oracleMae","peerMae","recoverySeconds",
 * "alertRecall","alertPrecision",...}.
 */
import { QUALITY_KINDS, qualityWorkload, realWorkload, type QualityWorkload } from '@streamcell/workload';
import { small } from './small';
import { runRiverPeer } from './quality/peer';
import { alertScores, maeTable, recoverySeconds, seriesRatios, type QualityRecord } from './quality/scoring';
import { simulate } from './quality/simulate';
import { replayStart } from './quality/start-replay';

const round = (x: number | null | undefined, d = 4): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(d)));
const print = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

/**
 * The peer's forecasts in place of the model's, on the same records. A forecast the peer did not
 * make finite (diverged) is scored as last-value and counted: a peer that fell apart must show.
 */
function peerRecords(records: readonly QualityRecord[], peer: Float64Array[] | null, workload: QualityWorkload): { records: QualityRecord[]; nonFinite: number } | null {
  if (peer === null) return null;
  const out: QualityRecord[] = [];
  let nonFinite = 0;
  for (const r of records) {
    const f = peer[r.series][Math.round(r.t / workload.intervalSeconds)];
    if (Number.isFinite(f)) out.push({ ...r, forecast: f });
    else {
      nonFinite++;
      out.push({ ...r, forecast: r.lastValue });
    }
  }
  return { records: out, nonFinite };
}

async function main(): Promise<void> {
  // The workload's seasons are 60 or 120 events; a user configures the period they know (120
  // covers both). The real series have different periods each, so that run configures none.
  const seasonal = { TRAINER_SEASONAL_PERIOD: '120' };
  // Small mode: a smaller model and shorter rounds, so `npm test` runs it in seconds.
  const trainerEnv: Record<string, string> = small ? { TRAINER_LAYERS: '16', TRAINER_ITERATIONS: '4', TRAINER_BATCH_SIZE: '8', TRAINER_WINDOW_SIZE: '96', TRAINER_K1: '8', TRAINER_K2: '16' } : {};
  const workload = qualityWorkload({ small });
  const shiftAt = workload.shiftAtEvent * workload.intervalSeconds;
  // One after the other: the simulation's training rounds take effect after the wall time they
  // took (simulated-trainer.ts), so a peer running alongside would slow ours and not itself.
  const sim = await simulate(workload, { trainerEnv: { ...trainerEnv, ...seasonal } });
  const peer = await runRiverPeer(workload);
  if (process.env['QUALITY_DEBUG'] !== undefined) {
    for (const r of sim.rounds) process.stderr.write(`${r.atSeconds}s ${r.outcome} ${r.reason} (${r.durationMs} ms)\n`);
  }
  const warmUp = 120;
  const table = maeTable(sim.records, 60, warmUp);
  for (const row of table.rows) {
    print({ bench: 'quality', minute: row.fromSeconds / 60, mae: round(row.mae), naiveMae: round(row.naiveMae), seasonalMae: round(row.seasonalMae) });
  }
  const peerRun = peerRecords(sim.records, peer, workload);
  const peerRows = peerRun?.records ?? null;
  const peerTable = peerRows === null ? null : maeTable(peerRows, 60, warmUp);
  const ratios = seriesRatios(sim.records, warmUp);
  const alerts = alertScores(sim.records, 0, { shiftAtSeconds: shiftAt });

  const real = realWorkload();
  const realSim = await simulate(real, { trainerEnv });
  // The peer as streamcell runs here (no period: one topic cannot have six), and told each series' own.
  const realPeer = peerRecords(realSim.records, await runRiverPeer(real, { periods: false }), real);
  const realSeasonalPeer = peerRecords(realSim.records, await runRiverPeer(real), real);
  const realTable = maeTable(realSim.records, 60, 0);
  print({
    bench: 'quality',
    dataset: 'real',
    series: real.series.map((s) => s.id),
    mae: round(realTable.total.mae),
    naiveMae: round(realTable.total.naiveMae),
    seasonalMae: round(realTable.total.seasonalMae),
    peerMae: realPeer === null ? null : round(maeTable(realPeer.records, 60, 0).total.mae),
    peerWithPeriodsMae: realSeasonalPeer === null ? null : round(maeTable(realSeasonalPeer.records, 60, 0).total.mae),
    peerNonFinite: realPeer === null || realSeasonalPeer === null ? null : realPeer.nonFinite + realSeasonalPeer.nonFinite,
    medianRatio: round(seriesRatios(realSim.records).median),
    published: realSim.versions.length - 1,
  });

  const start = small ? { streams: 60, rate: 60, minutes: 3, shiftAfterSeconds: 120 } : { streams: 300, rate: 300, minutes: 12, shiftAfterSeconds: 240 };
  const replay = await replayStart(start);
  print({
    bench: 'quality',
    dataset: 'npm-start',
    streams: start.streams,
    rate: start.rate,
    shiftAfterSeconds: start.shiftAfterSeconds,
    minutes: replay.minutes.map((m) => round(m)),
    ratio: round(replay.ratio),
    worstMinuteRatio: round(replay.worstMinuteRatio),
    published: replay.published,
  });

  // Per kind: which kinds a model is far from the oracle on, and where nothing is left to gain.
  for (const kind of QUALITY_KINDS) {
    const ofKind = (r: QualityRecord): boolean => workload.series[r.series].kind === kind;
    const after = maeTable(sim.records.filter(ofKind), 60, warmUp).afterWarmUp;
    const peerAfter = peerRows === null ? null : maeTable(peerRows.filter(ofKind), 60, warmUp).afterWarmUp;
    print({
      bench: 'quality',
      kind,
      series: after.series,
      afterWarmUp: { mae: round(after.mae), naiveMae: round(after.naiveMae), oracleMae: round(after.oracleMae), peerMae: peerAfter === null ? null : round(peerAfter.mae) },
    });
  }

  const worstMinute = Math.max(...table.rows.map((r) => r.mae / r.naiveMae));
  print({
    bench: 'quality',
    small,
    streams: workload.series.length,
    streamSeconds: Math.max(...sim.records.map((r) => r.t)),
    wallSeconds: round(sim.wallSeconds, 1),
    published: sim.versions.length - 1,
    rounds: sim.rounds.length,
    worstMinuteRatio: round(worstMinute),
    afterWarmUpMae: round(table.afterWarmUp.mae),
    afterWarmUpNaiveMae: round(table.afterWarmUp.naiveMae),
    afterWarmUpSeasonalMae: round(table.afterWarmUp.seasonalMae),
    afterWarmUpOracleMae: round(table.afterWarmUp.oracleMae),
    medianSeriesRatio: round(ratios.median),
    p90SeriesRatio: round(ratios.p90),
    alertsAfterShift: alerts.alertsAfterShift,
    mae: round(table.total.mae),
    naiveMae: round(table.total.naiveMae),
    seasonalMae: round(table.total.seasonalMae),
    oracleMae: round(table.total.oracleMae),
    peerMae: peerTable === null ? null : round(peerTable.total.mae),
    peerNonFinite: peerRun?.nonFinite ?? null,
    recoverySeconds: recoverySeconds(sim.records, shiftAt),
    alertRecall: round(alerts.recall),
    alertPrecision: round(alerts.precision),
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:quality failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
