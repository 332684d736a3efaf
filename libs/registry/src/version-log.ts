import { decodeBundle, readBundleManifest, type BundleManifest, type WeightsBundle } from '@streamcell/model';
import { MAX_VERSION, parseKey } from './keys';

/** Who wrote a version: the record headers the registry adds (absent on records older than it). */
export interface Publisher {
  /** `trainer` or `cli` (any short word a writer gives). */
  readonly role: string;
  readonly host: string;
}

export const publisherHeaders = { role: 'x-streamcell-publisher', host: 'x-streamcell-host', publishId: 'x-streamcell-publish-id' } as const;

/** One version of the model as read from model.weights: always listed, valid or not. */
export interface VersionEntry {
  readonly version: number;
  /** `version-key` = `<model>/v<n>`; `legacy-key` = keyed by the model name (before the registry). */
  readonly source: 'version-key' | 'legacy-key';
  readonly offset: string;
  readonly bytes: Buffer;
  /** Null when even the manifest cannot be read. */
  readonly manifest: BundleManifest | null;
  /** Null when the bundle passes every check (format, checksum, shapes, finiteness, name, version). */
  readonly error: string | null;
  /** The error's class (BundleChecksumError, …; KeyMismatchError for a name or version its key contradicts). */
  readonly errorKind: string | null;
  readonly publisher: Publisher | null;
  /** The writer's id for the publish call, so a retry can tell that an unconfirmed commit landed. */
  readonly publishId: string | null;
  /** Record timestamp (ms). */
  readonly timestamp: number;
}

export interface Pin {
  readonly version: number;
  /** Who pinned (`cli@host`), for `model list`. */
  readonly by: string;
  readonly at: string;
}

/** A record of model.weights as the log needs it (a ConsumedMessage satisfies it). */
export interface LogRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

/** What one record did to the log (for refusal counting and logs). */
export type Applied =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'version'; readonly entry: VersionEntry }
  | { readonly kind: 'retired'; readonly version: number }
  | { readonly kind: 'pin'; readonly pin: Pin | null }
  | { readonly kind: 'unreadable'; readonly offset: string; readonly error: string; readonly errorKind: string };

export interface WritePlan {
  /** Legacy-keyed versions to copy under their own key (migration), within retention. */
  readonly copies: readonly VersionEntry[];
  /** Versions whose per-version key gets a tombstone (retention). */
  readonly retire: readonly number[];
  /** Tombstone the legacy key (its versions are all copied or retired by this write). */
  readonly retireLegacyKey: boolean;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Everything known about one model's versions on model.weights, built from its records in log
 * order. Pure (no Kafka): the registry feeds it, tests drive it directly.
 */
export class VersionLog {
  private readonly keyed = new Map<number, VersionEntry>();
  private readonly legacy = new Map<number, VersionEntry>();
  private legacyLive = false;
  private pinned: Pin | null = null;
  /** Highest version number ever seen, tombstoned ones included: a number is never handed out twice. */
  private maxSeen = 0;

  constructor(readonly model: string) {}

  apply(r: LogRecord): Applied {
    const key = r.key?.toString();
    if (key === undefined) return { kind: 'ignored' };
    const parsed = parseKey(this.model, key);
    if (parsed === null) return { kind: 'ignored' };
    switch (parsed.kind) {
      case 'pin':
        return { kind: 'pin', pin: (this.pinned = r.value === null ? null : parsePin(r.value)) };
      case 'version': {
        this.maxSeen = Math.max(this.maxSeen, parsed.version);
        if (r.value === null) {
          this.keyed.delete(parsed.version);
          return { kind: 'retired', version: parsed.version };
        }
        const entry = readEntry(this.model, r, r.value, 'version-key', parsed.version);
        this.keyed.set(parsed.version, entry);
        return { kind: 'version', entry };
      }
      case 'legacy': {
        if (r.value === null) {
          // The registry retired the legacy key after copying its versions.
          this.legacy.clear();
          this.legacyLive = false;
          return { kind: 'retired', version: 0 };
        }
        this.legacyLive = true;
        let version: number;
        try {
          version = readBundleManifest(r.value).version;
        } catch (e) {
          return { kind: 'unreadable', offset: r.offset, error: message(e), errorKind: e instanceof Error ? e.name : 'Error' };
        }
        if (!(Number.isInteger(version) && version >= 1 && version <= MAX_VERSION)) {
          return { kind: 'unreadable', offset: r.offset, error: `version ${version} is outside 1..${MAX_VERSION}`, errorKind: 'RangeError' };
        }
        this.maxSeen = Math.max(this.maxSeen, version);
        const entry = readEntry(this.model, r, r.value, 'legacy-key', version);
        this.legacy.set(version, entry);
        return { kind: 'version', entry };
      }
    }
  }

  /** Every known version, lowest first (a per-version record wins over a legacy one). */
  entries(): VersionEntry[] {
    const all = new Map(this.legacy);
    for (const [v, e] of this.keyed) all.set(v, e);
    return [...all.values()].sort((a, b) => a.version - b.version);
  }

  entry(version: number): VersionEntry | undefined {
    return this.keyed.get(version) ?? this.legacy.get(version);
  }

  get pin(): Pin | null {
    return this.pinned;
  }

  /** The highest valid version. */
  latestValid(): VersionEntry | undefined {
    return this.entries()
      .filter((e) => e.error === null)
      .at(-1);
  }

  /**
   * What inference serves and the trainer trains from: the pinned version while it is valid,
   * otherwise the highest valid version. A pin to a missing or invalid version is ignored (and
   * shown by `model list`): serving nothing is never better than serving the newest valid one.
   */
  head(): VersionEntry | undefined {
    if (this.pinned !== null) {
      const e = this.entry(this.pinned.version);
      if (e !== undefined && e.error === null) return e;
    }
    return this.latestValid();
  }

  /** The next version to publish: above every number ever seen, retired and invalid ones included. */
  nextVersion(): number {
    return this.maxSeen + 1;
  }

  /**
   * What a write of `adding` must also carry: the newest `keep` versions (counting the new one),
   * the head, the pin and `protect` (e.g. the version the trainer's checkpoint descends from) stay;
   * the other per-version records are tombstoned; legacy-keyed versions that stay are copied to
   * their own key, and the legacy key is then retired.
   */
  plan(adding: number | null, keep: number, protect: Iterable<number> = []): WritePlan {
    const versions = new Set<number>([...this.keyed.keys(), ...this.legacy.keys()]);
    if (adding !== null) versions.add(adding);
    const kept = new Set([...versions].sort((a, b) => b - a).slice(0, Math.max(1, keep)));
    const head = this.head();
    if (head !== undefined) kept.add(head.version);
    if (this.pinned !== null) kept.add(this.pinned.version);
    for (const v of protect) kept.add(v);
    const copies = [...this.legacy.values()].filter((e) => kept.has(e.version) && !this.keyed.has(e.version));
    const retire = [...this.keyed.keys()].filter((v) => !kept.has(v)).sort((a, b) => a - b);
    return { copies, retire, retireLegacyKey: this.legacyLive };
  }
}

function readEntry(model: string, r: LogRecord, bytes: Buffer, source: VersionEntry['source'], version: number): VersionEntry {
  let manifest: BundleManifest | null = null;
  let error: string | null = null;
  let errorKind: string | null = null;
  try {
    manifest = readBundleManifest(bytes);
    const bundle = decodeBundle(bytes);
    if (bundle.name !== model) error = `bundle is for model ${JSON.stringify(bundle.name)}, keyed for ${JSON.stringify(model)}`;
    else if (bundle.version !== version) error = `bundle says version ${bundle.version}, its key says ${version}`;
    if (error !== null) errorKind = 'KeyMismatchError';
  } catch (e) {
    error = message(e);
    errorKind = e instanceof Error ? e.name : 'Error';
  }
  const role = r.headers[publisherHeaders.role];
  const publisher = role === undefined ? null : { role, host: r.headers[publisherHeaders.host] ?? '?' };
  const publishId = r.headers[publisherHeaders.publishId] ?? null;
  return { version, source, offset: r.offset, bytes, manifest, error, errorKind, publisher, publishId, timestamp: r.timestamp };
}

function parsePin(value: Buffer): Pin | null {
  try {
    const p = JSON.parse(value.toString('utf8')) as Partial<Pin>;
    if (typeof p.version === 'number' && Number.isInteger(p.version) && p.version > 0) {
      return { version: p.version, by: typeof p.by === 'string' ? p.by : '?', at: typeof p.at === 'string' ? p.at : '?' };
    }
  } catch {
    // An unreadable pin pins nothing (the head rule falls back to the newest valid version).
  }
  return null;
}

/** Decodes a listed version (it was validated when read; this only rebuilds the tensors). */
export function bundleOf(entry: VersionEntry): WeightsBundle {
  if (entry.error !== null) throw new Error(`v${entry.version} is invalid: ${entry.error}`);
  return decodeBundle(entry.bytes);
}
