import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait';

/** Where the Debian package `prometheus-alertmanager` installs the binary; ALERTMANAGER_BIN overrides. */
export const defaultAlertmanagerBin = '/usr/bin/prometheus-alertmanager';

/** One alert as `GET /api/v2/alerts` returns it (the fields tests read). */
export interface ActiveAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
  readonly status: { readonly state: string };
}

// One route to a receiver that sends nowhere: alerts are read back through the API and the UI.
const config = `route:
  receiver: sink
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sink
`;

/** A free TCP port on loopback (bound, then released for Alertmanager to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real Prometheus Alertmanager on this machine, from the Debian package as the broker is from
 * jars, for tests and `npm start`: its own loopback port, temp config and storage dir, clustering
 * off (no gossip port to clash on), one receiver that sends nowhere (alerts are read through the
 * API and the UI). `stop()` then `start()` restarts it on the same port (an outage), keeping
 * nothing: Alertmanager holds alerts in memory. A missing binary fails with what to install, so a
 * test that needs it fails rather than skips.
 */
export class LocalAlertmanager {
  private process: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'streamcell-alertmanager-'));

  private constructor(
    readonly port: number,
    private readonly bin: string,
  ) {
    writeFileSync(join(this.dir, 'alertmanager.yml'), config);
  }

  /** Starts one on a free port and waits until it is ready. */
  static async start(bin = process.env.ALERTMANAGER_BIN ?? defaultAlertmanagerBin): Promise<LocalAlertmanager> {
    if (!existsSync(bin)) {
      throw new Error(
        `Alertmanager not found at ${bin}: install the Debian package (apt-get install prometheus-alertmanager; npm test does it when run as root) or set ALERTMANAGER_BIN`,
      );
    }
    const am = new LocalAlertmanager(await freePort(), bin);
    await am.start();
    return am;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  async start(): Promise<void> {
    if (this.process !== undefined) return;
    const child = spawn(
      this.bin,
      [
        `--config.file=${join(this.dir, 'alertmanager.yml')}`,
        `--storage.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process = child;
    this.output = '';
    const keep = (b: Buffer): void => {
      this.output = (this.output + b.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.process === child) this.process = undefined;
    });
    await waitFor(
      `Alertmanager ready on ${this.url}`,
      async () => {
        if (this.process !== child) throw new Error(`Alertmanager exited: ${this.output}`);
        const res = await fetch(`${this.url}/-/ready`);
        return res.ok;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }

  /** SIGTERM, and waits for it to exit (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    const child = this.process;
    if (child === undefined) return;
    const exited = this.exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    this.process = undefined;
  }

  /** Stops it and removes its files. Idempotent. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Alerts Alertmanager holds as active (resolved ones are not listed). */
  async alerts(filter: Record<string, string> = {}): Promise<ActiveAlert[]> {
    const query = Object.entries(filter)
      .map(([k, v]) => `filter=${encodeURIComponent(`${k}="${v}"`)}`)
      .join('&');
    const res = await fetch(`${this.url}/api/v2/alerts${query === '' ? '' : `?${query}`}`);
    if (!res.ok) throw new Error(`GET /api/v2/alerts: HTTP ${res.status}`);
    return (await res.json()) as ActiveAlert[];
  }
}
