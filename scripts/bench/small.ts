/**
 * Small mode of every benchmark (`npm run bench:X -- --small`, or BENCH_SMALL=1): the same code
 * path on tiny shapes and durations, a few seconds per benchmark, so `npm test`
 * (scripts/bench/benches.int.test.ts) runs each one and a broken benchmark fails the build.
 * Its numbers say nothing about performance. Explicit BENCH_* settings still win.
 */
export const small = process.argv.includes('--small') || process.env.BENCH_SMALL === '1';

/** The number in env `name` if set, else `full` or, in small mode, `tiny`. */
export function benchNumber(name: string, full: number, tiny: number): number {
  const v = process.env[name];
  return v !== undefined && v !== '' ? Number(v) : small ? tiny : full;
}

/** The comma list in env `name` if set, else `full` or, in small mode, `tiny`. */
export function benchList(name: string, full: string, tiny: string): string[] {
  const v = process.env[name];
  return (v !== undefined && v !== '' ? v : small ? tiny : full).split(',');
}
