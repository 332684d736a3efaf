/**
 * The PyTorch peer of bench:model as a long-lived process (scripts/bench/pytorch_step.py in serve
 * mode): the benchmark asks it for short timed slices between slices of its own engine, so both
 * sides see the same background load. One process per peer variant (threads, ids).
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface PeerVariant {
  /** torch.set_num_threads; null keeps PyTorch's default. */
  readonly threads: number | null;
  /** Resolve stream ids through a dict per step (like StreamingModel) rather than take row indices. */
  readonly ids: boolean;
}

export interface PeerAnswer {
  readonly eventsPerSec: number;
  readonly threads: number;
}

/** Why torch cannot be used, or null when `python3 -c 'import torch'` works. */
export function torchMissing(): string | null {
  const probe = spawnSync('python3', ['-c', 'import torch'], { stdio: 'ignore' });
  return probe.status === 0 ? null : 'torch is not importable by python3 (pip install torch)';
}

export class PytorchPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';
  private exited: string | null = null;

  constructor(
    readonly variant: PeerVariant,
    setup: { readonly inputWidth: number; readonly streams: number },
  ) {
    const args = JSON.stringify({ serve: true, ...setup, threads: variant.threads, ids: variant.ids });
    this.child = spawn('python3', [join(__dirname, 'pytorch_step.py'), args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.child.on('exit', (code) => {
      this.exited = `pytorch_step.py exited with ${code}: ${this.stderr.slice(-300)}`;
      for (const w of this.waiting.splice(0)) w('');
    });
  }

  /** PyTorch's events/s over `seconds` for one configuration (set up on first use, kept while it repeats). */
  async run(config: { cell: string; units: number; batch: number }, seconds: number): Promise<PeerAnswer> {
    if (this.exited !== null) throw new Error(this.exited);
    const line = await new Promise<string>((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify({ ...config, seconds })}\n`);
    });
    if (line === '') throw new Error(this.exited ?? 'pytorch_step.py closed its output');
    return JSON.parse(line) as PeerAnswer;
  }

  close(): void {
    this.child.stdin.end();
  }
}
