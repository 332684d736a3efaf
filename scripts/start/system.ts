/**
 * `npm start`: streamcell on this machine. Starts (or reuses, via KAFKA_BROKERS) a Kafka broker,
 * creates the topics, starts ingest, inference and trainer as child processes, the alerts service
 * (to the targets configured, else to a local Alertmanager when `prometheus-alertmanager` is
 * installed), a workload generator posting sensor-like streams (seasonality, noise, injected
 * anomalies, a regime shift after a few minutes) and an alert printer. Ctrl-C stops everything in
 * order, broker included.
 *
 * Options: --streams N (300), --rate R events/s (300), --shift-after-seconds S (240). Every
 * service setting in the environment applies (scripts/start/settings.ts): ports, hosts, topics,
 * INPUT_WIDTH, INGEST_API_KEYS…
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '@streamcell/config';
import { decodeAlert } from '@streamcell/events';
import { KafkaConnection, kafkaConnectionSchema, silentLogger, type BatchConsumer } from '@streamcell/kafka';
import { LocalAlertmanager } from '@streamcell/testing';
import { WorkloadPoster } from '@streamcell/workload';
import { portFree, startSettings } from './settings';

const root = resolve(__dirname, '../..');
const args = process.argv.slice(2);
const arg = (name: string, fallback: number, whole = false): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0 || (whole && !Number.isInteger(v))) throw new Error(`--${name} must be a positive ${whole ? 'whole ' : ''}number`);
  return v;
};
const streams = arg('streams', 300, true);
const rate = arg('rate', 300);
const shiftAfterSeconds = arg('shift-after-seconds', 240);
const logs = join(tmpdir(), 'streamcell-logs');
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const services: { name: string; child: ChildProcess }[] = [];
let startedBroker = false;
let poster: WorkloadPoster | undefined;
let alertConsumer: BatchConsumer | undefined;
let alertmanager: LocalAlertmanager | undefined;
let stopping = false;
let stoppingSince = 0;

/** Thrown where start-up finds a Ctrl-C came in meanwhile: nothing more is started. */
class Stopping extends Error {}

/** Called after every wait in start-up: a Ctrl-C during a wait must not start the next part. */
function stillStarting(): void {
  if (stopping) throw new Stopping();
}

/**
 * After a spawnSync: a Ctrl-C reached the child too (it failed because of it), but our handler only
 * runs on the next turn of the event loop, which spawnSync blocked. One turn first, so the signal
 * is a stop rather than "could not start the broker".
 */
async function afterChild(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  stillStarting();
}

const alive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

function kafkaScript(command: string): boolean {
  return spawnSync('bash', [join(root, 'scripts/kafka/kafka.sh'), command], { stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
}

function startService(name: string, script: string, env: Record<string, string>): ChildProcess {
  stillStarting();
  // This run's log alone (an appended one opened with the lines of every earlier run), and the
  // run before kept beside it for a comparison.
  const path = join(logs, `${name}.log`);
  if (existsSync(path)) renameSync(path, join(logs, `${name}.previous.log`));
  const log = createWriteStream(path, { flags: 'w' });
  const child = spawn(process.execPath, ['-r', join(root, 'scripts/register.cjs'), join(root, script)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', (code, signal) => {
    if (!stopping) say(`!! ${name} exited (${signal ?? code}); see ${join(logs, `${name}.log`)}`);
  });
  services.push({ name, child });
  return child;
}

/** Waits for a service's /health; a service that exits meanwhile ends the wait at once. */
async function waitReady(name: string, child: ChildProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    if (!alive(child)) throw new Error(`${name} exited (${child.signalCode ?? child.exitCode}) before it was ready; see ${join(logs, `${name}.log`)}`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) return; // every check, Kafka included (ingest is ready without it)
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  stillStarting();
  throw new Error(`${name} not ready at ${url} after ${timeoutMs / 1000} s; see ${join(logs, `${name}.log`)}`);
}

/** Ctrl-C reaches the whole process group (and npm forwards it too): a signal repeated within 3 s
 * is the same Ctrl-C; a later one means "stop now" — kill the services, still stop the broker. */
function forceStop(): never {
  say('forced stop');
  for (const { child } of services) child.kill('SIGKILL');
  void alertmanager?.close();
  if (startedBroker) kafkaScript('down');
  process.exit(1);
}

async function shutdown(code: number): Promise<never> {
  if (stopping) {
    if (Date.now() - stoppingSince > 3000) return forceStop();
    return new Promise<never>(() => undefined);
  }
  stopping = true;
  stoppingSince = Date.now();
  say('\nstopping: generator, alert printer, services, broker…');
  poster?.stop();
  await alertConsumer?.stop().catch(() => undefined);
  // Reverse order: the generator's target last; each gets SIGTERM (drain, commit, leave) then 30 s.
  // Looked up afresh each time: start-up may still add one while an earlier one stops.
  for (let next = [...services].reverse().find(({ child }) => alive(child)); next !== undefined; next = [...services].reverse().find(({ child }) => alive(child))) {
    const { child } = next;
    child.kill('SIGTERM');
    const exited = new Promise((r) => child.once('exit', r));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
  await alertmanager?.close().catch(() => undefined);
  if (startedBroker) kafkaScript('down');
  say('stopped.');
  process.exit(code);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  mkdirSync(logs, { recursive: true });

  const configured = process.env.KAFKA_BROKERS;
  const localBroker = configured === undefined || configured === '';
  const brokers = localBroker ? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}` : configured;
  // Every setting is checked before anything starts: a bad value costs no broker start.
  const settings = await startSettings(process.env, brokers);
  const { env, ingest, inference, trainer } = settings;

  if (localBroker) {
    const alreadyUp = kafkaScript('status');
    if (!alreadyUp) {
      say('== starting a local Kafka broker (scripts/kafka/kafka.sh)');
      // Ours from the moment it is asked for: a Ctrl-C while it comes up must still stop it.
      startedBroker = true;
      const up = kafkaScript('up');
      await afterChild();
      if (!up) throw new Error('could not start the Kafka broker');
    } else say(`== reusing the broker already running on ${brokers}`);
  } else say(`== using KAFKA_BROKERS=${brokers}`);

  say('== creating topics');
  const topics = spawnSync(process.execPath, ['-r', join(root, 'scripts/register.cjs'), join(root, 'scripts/kafka/create-topics.ts')], {
    cwd: root,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await afterChild();
  if (topics.status !== 0) throw new Error('topic creation failed');

  // Another server on a service's port would answer its readiness checks in its place.
  const ports = [ingest, inference, trainer, ...(settings.alertDelivery.kind === 'none' ? [] : [settings.alerts])];
  for (const p of ports) if (!(await portFree(p.host, p.port))) throw new Error(`port ${p.port} (${p.variable}) is already in use on ${p.host}: stop what holds it, or set ${p.variable}`);

  say(`== starting ingest, inference, trainer (logs in ${logs})`);
  const trainerChild = startService('trainer', 'apps/trainer/src/main.ts', env);
  const inferenceChild = startService('inference', 'apps/inference/src/main.ts', env);
  const ingestChild = startService('ingest', 'apps/ingest/src/main.ts', env);
  await waitReady('ingest', ingestChild, ingest.url, 120_000);
  await waitReady('trainer', trainerChild, trainer.url, 180_000);
  await waitReady('inference', inferenceChild, inference.url, 180_000);
  const alertsLine = await startAlerts(settings);
  stillStarting();

  const connection = new KafkaConnection(loadConfig(kafkaConnectionSchema, env), silentLogger, 'alert-printer');
  alertConsumer = connection.consumer({ groupId: `streamcell-start-alerts-${process.pid}`, topics: [settings.alertsTopic], fromBeginning: false });
  await alertConsumer.start((messages) => {
    for (const m of messages) {
      // Read with the alerts service's decoder: a record that is not an alert is skipped (thrown
      // here, it would crash and restart this consumer over the same record for ever).
      const d = decodeAlert(m.value);
      if (!d.ok) continue;
      const a = d.alert;
      say(`ALERT ${a.stream} z=${a.score.toFixed(1)} expected ${a.expected[0]?.toFixed(2)} actual ${a.actual[0]?.toFixed(2)} (model v${a.model.version})`);
    }
    return Promise.resolve();
  });
  stillStarting();

  say(`
streamcell is running
  ingest      ${ingest.url}/v1/events   health /health/ready   metrics /metrics
  live view   ${settings.liveView ? `${ingest.url}/live` : 'off (INGEST_LIVE_VIEW=false)'}
  inference   ${inference.url}/health/ready   metrics /metrics
  trainer     ${trainer.url}/health/ready   metrics /metrics
${alertsLine}
  workload    ${streams} streams, ${rate} events/s, regime shift after ${shiftAfterSeconds} s
  logs        ${logs}/<service>.log
Ctrl-C stops everything.
`);
  poster = new WorkloadPoster({
    url: ingest.url,
    streams,
    rate,
    width: settings.inputWidth,
    ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
    period: 120,
    shiftAt: Math.max(1, Math.round((shiftAfterSeconds * rate) / streams)),
    onProgress: () => undefined,
  });
  const status = setInterval(() => {
    void (async () => {
      // A status line must never take npm start down: inference may be restarting or busy.
      const text = await fetch(`${inference.url}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      const version = /^streamcell_inference_model_version\S* (\S+)$/m.exec(text)?.[1] ?? '?';
      const s = poster!.stats;
      say(`status: posted ${s.sent} (accepted ${s.accepted}), injected anomalies ${s.anomalies}, 503s ${s.unavailable}, model version ${version}`);
    })();
  }, 15_000);
  await poster.run();
  clearInterval(status);
}

/**
 * The alerts service, delivering to the targets the user configured or to a local Alertmanager
 * (its own temp config and storage, a free port); returns what to print about it.
 */
async function startAlerts(settings: Awaited<ReturnType<typeof startSettings>>): Promise<string> {
  const { alerts, alertDelivery } = settings;
  const env = { ...settings.env };
  let where = 'the configured targets (ALERTS_ALERTMANAGER_URLS, ALERTS_WEBHOOK_URLS)';
  switch (alertDelivery.kind) {
    case 'none':
      return '  alerts      not started: no target set and no Alertmanager installed (apt-get install prometheus-alertmanager, or set ALERTS_WEBHOOK_URLS)';
    case 'local-alertmanager':
      say('== starting a local Alertmanager');
      alertmanager = await LocalAlertmanager.start(alertDelivery.alertmanagerBin);
      if (stopping) await alertmanager.close().catch(() => undefined); // shutdown looked before it existed
      stillStarting();
      env['ALERTS_ALERTMANAGER_URLS'] = alertmanager.url;
      where = 'the local Alertmanager';
      break;
    case 'configured':
      break;
  }
  say('== starting the alerts service');
  const child = startService('alerts', 'apps/alerts/src/main.ts', env);
  await waitReady('alerts', child, alerts.url, 120_000);
  const lines = [`  alerts      ${alerts.url}/health/ready   metrics /metrics   delivering to ${where}`];
  if (alertmanager !== undefined) lines.push(`  alertmanager ${alertmanager.url}/#/alerts   (UI: the alerts firing now)`);
  return lines.join('\n');
}

main().catch((e: unknown) => {
  if (e instanceof Stopping) return; // Ctrl-C during start-up: shutdown is under way
  say(`npm start failed: ${e instanceof Error ? e.message : String(e)}`);
  void shutdown(1);
});
