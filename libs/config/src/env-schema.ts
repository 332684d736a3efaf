/**
 * A small typed environment parser. Each app declares its settings once as a schema; `loadConfig`
 * parses them at boot into a plain typed object and throws one ConfigError that lists every bad
 * variable with the form it expects, so an operator can fix them all in one go.
 */

export interface Setting<T> {
  readonly variable: string;
  /** Human-readable expected form, quoted in errors and generated docs. */
  readonly expected: string;
  readonly doc: string;
  readonly defaultText: string | undefined;
  parse(raw: string | undefined): T;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

class SettingError extends Error {}

interface Common<T> {
  default?: T;
  doc: string;
}

function make<T>(
  variable: string,
  expected: string,
  opts: Common<T>,
  convert: (raw: string) => T,
  show: (v: T) => string = String,
): Setting<T> {
  return {
    variable,
    expected,
    doc: opts.doc,
    defaultText: opts.default === undefined ? undefined : show(opts.default),
    parse(raw) {
      const trimmed = raw?.trim();
      if (trimmed === undefined || trimmed === '') {
        if (opts.default !== undefined) return opts.default;
        throw new SettingError(`${variable} is required (expected ${expected})`);
      }
      try {
        return convert(trimmed);
      } catch (e) {
        const why = e instanceof SettingError ? `: ${e.message}` : '';
        throw new SettingError(`${variable}=${JSON.stringify(trimmed)} is not valid (expected ${expected})${why}`);
      }
    },
  };
}

export const env = {
  string(variable: string, opts: Common<string> & { pattern?: RegExp }): Setting<string> {
    const expected = opts.pattern ? `a string matching ${String(opts.pattern)}` : 'a string';
    return make(variable, expected, opts, (raw) => {
      if (opts.pattern && !opts.pattern.test(raw)) throw new Error('pattern');
      return raw;
    });
  },

  /** Optional string: undefined when unset. */
  optionalString(variable: string, opts: { doc: string }): Setting<string | undefined> {
    return {
      variable,
      expected: 'a string (optional)',
      doc: opts.doc,
      defaultText: undefined,
      parse: (raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()),
    };
  },

  int(variable: string, opts: Common<number> & { min?: number; max?: number }): Setting<number> {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
    const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    return make(variable, expected, opts, (raw) => {
      if (!/^-?\d+$/.test(raw)) throw new Error('not an integer');
      const n = Number(raw);
      if (n < min || n > max) throw new Error('out of range');
      return n;
    });
  },

  number(variable: string, opts: Common<number> & { min?: number; max?: number }): Setting<number> {
    const { min = -Infinity, max = Infinity } = opts;
    return make(variable, `a number in [${min}, ${max}]`, opts, (raw) => {
      const n = Number(raw);
      if (!Number.isFinite(n) || n < min || n > max) throw new Error('out of range');
      return n;
    });
  },

  bool(variable: string, opts: Common<boolean>): Setting<boolean> {
    return make(variable, 'true or false', opts, (raw) => {
      const v = raw.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new Error('not a boolean');
    });
  },

  oneOf<const C extends readonly string[]>(variable: string, choices: C, opts: Common<C[number]>): Setting<C[number]> {
    return make(variable, `one of ${choices.join(' | ')}`, opts, (raw) => {
      const hit = choices.find((c) => c === raw.toLowerCase());
      if (hit === undefined) throw new Error('not a choice');
      return hit;
    });
  },

  /** Comma-separated list of non-empty strings. */
  /**
   * A comma-separated list. `item` checks each entry and says what is wrong with it. A value of
   * commas alone is refused rather than read as an empty list: `"$KEY1,$KEY2"` with both unset
   * must not turn INGEST_API_KEYS's authentication off.
   */
  list(
    variable: string,
    opts: Common<readonly string[]> & { minItems?: number; item?: { readonly expected: string; check(item: string): boolean } },
  ): Setting<readonly string[]> {
    const minItems = opts.minItems ?? 0;
    const each = opts.item === undefined ? '' : ` of ${opts.item.expected}`;
    return make(
      variable,
      `a comma-separated list${each}${minItems > 0 ? `, at least ${minItems}` : ''}`,
      opts,
      (raw) => {
        const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
        if (items.length === 0) throw new SettingError('only commas: leave it unset for an empty list');
        if (items.length < minItems) throw new SettingError(`at least ${minItems} item(s)`);
        const bad = opts.item === undefined ? [] : items.filter((i) => !opts.item!.check(i));
        if (bad.length > 0) throw new SettingError(`${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not ${opts.item!.expected}`);
        return items;
      },
      (v) => v.join(','),
    );
  },
};

export type Schema = Readonly<Record<string, Setting<unknown>>>;
export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export type Environment = Readonly<Record<string, string | undefined>>;

/** Parses every setting of `schema` from `environment`; throws one ConfigError naming all bad ones. */
export function loadConfig<S extends Schema>(schema: S, environment: Environment): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(schema)) {
    try {
      out[key] = setting.parse(environment[setting.variable]);
    } catch (e) {
      if (!(e instanceof SettingError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as ConfigOf<S>;
}

/** Markdown table rows (variable, default, expected, doc) for the README. */
export function describeSchema(schema: Schema): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const shownDefault = (d: string | undefined): string => (d === undefined ? '—' : d === '' ? '(empty)' : `\`${d}\``);
  const rows = Object.values(schema).map(
    (s) => `| \`${s.variable}\` | ${shownDefault(s.defaultText)} | ${cell(s.expected)} | ${cell(s.doc)} |`,
  );
  return ['| variable | default | expected | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
