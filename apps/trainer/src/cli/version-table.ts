import type { Pin, VersionEntry } from '@streamcell/registry';

/** One version as `streamcell model list` shows it (and prints with --json). */
export interface VersionSummary {
  readonly version: number;
  readonly head: boolean;
  readonly pinned: boolean;
  readonly parentVersion: number | null | undefined;
  /** Ancestors, nearest first, as far as the manifests on model.weights go. */
  readonly lineage: readonly number[];
  /** The version it re-publishes (rollbacks). */
  readonly rollbackOf: number | undefined;
  readonly createdAt: string | undefined;
  /** `trainer@host`, `cli@host`; null for records written before the registry. */
  readonly publishedBy: string | null;
  readonly architecture: string | undefined;
  /** The figures the trainer measured on the holdout when it published the version. */
  readonly validation: {
    readonly ratioToLastValue: number | undefined;
    readonly p90RatioToLastValue: number | undefined;
    readonly worseThanLastValueShare: number | undefined;
    readonly ratioToSeasonalNaive: number | undefined;
    /** The serving version's ratio to last-value on the same events. */
    readonly servingRatioToLastValue: number | undefined;
    readonly validationStreams: number | undefined;
  };
  readonly metrics: Readonly<Record<string, number>> | undefined;
  readonly bytes: number;
  readonly offset: string;
  /** `version-key`, or `legacy-key` (written before the registry, keyed by the model name). */
  readonly source: VersionEntry['source'];
  readonly status: string;
}

const maxLineage = 8;

export function summarise(entries: readonly VersionEntry[], head: number | undefined, pin: Pin | null): VersionSummary[] {
  const byVersion = new Map(entries.map((e) => [e.version, e]));
  return entries.map((e) => {
    const m = e.manifest;
    const lineage: number[] = [];
    let parent = m?.parentVersion ?? null;
    while (parent !== null && lineage.length < maxLineage && !lineage.includes(parent)) {
      lineage.push(parent);
      parent = byVersion.get(parent)?.manifest?.parentVersion ?? null;
    }
    const isHead = e.version === head;
    const pinned = pin?.version === e.version;
    return {
      version: e.version,
      head: isHead,
      pinned,
      parentVersion: m?.parentVersion,
      lineage,
      rollbackOf: m?.metrics.rollbackOf,
      createdAt: m?.createdAt,
      publishedBy: e.publisher === null ? null : `${e.publisher.role}@${e.publisher.host}`,
      architecture: m === null ? undefined : `${m.spec.cell} ${m.spec.layers.join('x')} in ${m.spec.inputWidth} out ${m.spec.head.units}`,
      validation: {
        ratioToLastValue: m?.metrics.ratioToLastValue,
        p90RatioToLastValue: m?.metrics.p90RatioToLastValue,
        worseThanLastValueShare: m?.metrics.worseThanLastValueShare,
        ratioToSeasonalNaive: m?.metrics.ratioToSeasonalNaive,
        servingRatioToLastValue: m?.metrics.baselineLoss,
        validationStreams: m?.metrics.validationStreams,
      },
      metrics: m?.metrics,
      bytes: e.bytes.length,
      offset: e.offset,
      source: e.source,
      status: e.error !== null ? `invalid: ${e.error}` : isHead ? (pinned ? 'head (pinned)' : 'head') : pinned ? 'pinned, not served' : 'ok',
    };
  });
}

const num = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toPrecision(4));
const pct = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(0)}%`);

function lineageText(s: VersionSummary): string {
  if (s.lineage.length === 0) return s.parentVersion === undefined ? '?' : '-';
  const chain = s.lineage.join('←');
  return `←${chain}${s.lineage.length === maxLineage ? '←…' : ''}${s.rollbackOf !== undefined ? ` (rollback of ${s.rollbackOf})` : ''}`;
}

/** The human-readable table: lineage, figures against the baselines, publisher, validity. */
export function versionTable(rows: readonly VersionSummary[], pin: Pin | null): string {
  const cols: [string, (s: VersionSummary) => string][] = [
    ['version', (s) => `${s.version}${s.head ? ' *' : ''}${s.pinned ? ' (pin)' : ''}`],
    ['lineage', lineageText],
    ['created', (s) => s.createdAt ?? '-'],
    ['published by', (s) => s.publishedBy ?? (s.source === 'legacy-key' ? '(legacy record)' : '-')],
    ['model', (s) => s.architecture ?? '-'],
    ['vs last-value', (s) => num(s.validation.ratioToLastValue)],
    ['p90', (s) => num(s.validation.p90RatioToLastValue)],
    ['worse', (s) => pct(s.validation.worseThanLastValueShare)],
    ['vs seasonal', (s) => num(s.validation.ratioToSeasonalNaive)],
    ['serving was', (s) => num(s.validation.servingRatioToLastValue)],
    ['bytes', (s) => String(s.bytes)],
    ['status', (s) => s.status],
  ];
  const table = [cols.map(([h]) => h), ...rows.map((r) => cols.map(([, f]) => f(r)))];
  const widths = cols.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const lines = table.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  const legend =
    '* = head (the pin if valid, else the highest valid version); figures are the error ratio to last-value on the trainer\'s holdout (median, p90), ' +
    'the share of streams worse than last-value, the ratio to seasonal-naive, and the serving version\'s ratio when it was published';
  return `${lines.join('\n')}\n${pin !== null ? `pinned to v${pin.version} by ${pin.by} at ${pin.at}\n` : ''}(${legend})\n`;
}
