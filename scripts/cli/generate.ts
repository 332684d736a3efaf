import { WorkloadPoster, type PosterStats } from '@streamcell/workload';

const usage = `usage: streamcell generate [options]
  --url URL            ingest base URL (default http://127.0.0.1:8080)
  --streams N          number of streams (default 300)
  --rate R             events per second across all streams (default 300)
  --width W            values per event, the model's input width (default 8)
  --batch B            events per request (default 100)
  --period P           events per stream per seasonal cycle (default 288)
  --noise X            noise, relative to the amplitude (default 0.05)
  --anomaly-rate X     probability of an injected anomaly per event (default 0.002)
  --shift-after N      events per stream after which the regime shifts (default: never)
  --duration S         stop after S seconds (default: until Ctrl-C)
  --api-key KEY        sent as x-api-key
  --seed N             random seed (default 42)`;

function flags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)}\n${usage}`);
    if (a === '--help') throw new Error(usage);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value\n${usage}`);
    out.set(a.slice(2), v);
    i += 1;
  }
  return out;
}

function num(f: Map<string, string>, name: string, fallback: number | undefined, min = 0): number | undefined {
  const raw = f.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} ${JSON.stringify(raw)} must be a number >= ${min}`);
  return n;
}

/** A count (streams, width, a batch, a period in events): 1.5 streams would post "sensor-00.5". */
function count(f: Map<string, string>, name: string, fallback: number | undefined, min = 1): number | undefined {
  const n = num(f, name, fallback, min);
  if (n !== undefined && !Number.isInteger(n)) throw new Error(`--${name} ${JSON.stringify(f.get(name))} must be a whole number >= ${min}`);
  return n;
}

/** `streamcell generate …`: posts sensor-like events to an ingest endpoint; works against any deployment. */
export async function runGenerate(argv: readonly string[], log: (line: string) => void): Promise<number> {
  let f: Map<string, string>;
  try {
    f = flags(argv);
  } catch (e) {
    log((e as Error).message);
    return 2;
  }
  try {
    const duration = num(f, 'duration', undefined, 1);
    const shiftAt = count(f, 'shift-after', undefined, 1);
    const apiKey = f.get('api-key');
    let last = Date.now();
    const report = (s: PosterStats): void => {
      if (Date.now() - last < 5000) return;
      last = Date.now();
      log(`generate: sent ${s.sent}, accepted ${s.accepted}, rejected ${s.rejected}, 503s ${s.unavailable}, connection errors ${s.errors}, injected anomalies ${s.anomalies}`);
    };
    const poster = new WorkloadPoster({
      onProgress: report,
      url: f.get('url') ?? 'http://127.0.0.1:8080',
      streams: count(f, 'streams', 300, 1)!,
      rate: num(f, 'rate', 300, 1)!,
      width: count(f, 'width', 8, 1)!,
      batch: count(f, 'batch', 100, 1)!,
      period: count(f, 'period', 288, 2)!,
      noise: num(f, 'noise', 0.05)!,
      anomalyRate: num(f, 'anomaly-rate', 0.002)!,
      seed: num(f, 'seed', 42)!,
      ...(shiftAt !== undefined ? { shiftAt } : {}),
      ...(duration !== undefined ? { durationSeconds: duration } : {}),
      ...(apiKey !== undefined ? { apiKey } : {}),
    });
    process.once('SIGINT', () => poster.stop());
    process.once('SIGTERM', () => poster.stop());
    const stats = await poster.run();
    log(`generate: done — sent ${stats.sent}, accepted ${stats.accepted}, rejected ${stats.rejected}, connection errors ${stats.errors}`);
    return stats.errors > 0 && stats.accepted === 0 ? 1 : 0;
  } catch (e) {
    log(`generate: ${(e as Error).message}`);
    return 2;
  }
}
