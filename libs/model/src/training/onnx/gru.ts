import type { T } from './builder';
import { type LayerContext, perStep, previous, projectionGradients, timeConcat, type UnrolledLayer } from './layer';

/**
 * Keras GRU (gates z, r, h), both reset modes, h' = z∘h + (1−z)∘n written as n + z∘(h − n).
 * reset_after (bias [2, 3u]: input row, recurrent row): [hz, hr, hh] = h·U + b_rec,
 *   n = act(x_h + r∘hh).
 * reset_before (bias [3u]): n = act(x_h + (r∘h)·U_h).
 * Backward per step, with dh the total gradient at h': dn_pre = dh∘(1−z)∘act'(n) ("dan"),
 * dz_pre = dh∘(h − n)∘σ'(z); the per-step factors (1−z)∘act', (h−n)∘σ', … are computed for all
 * steps at once before the loop.
 */
export function unrollGru(ctx: LayerContext, resetAfter: boolean): UnrolledLayer {
  return resetAfter ? unrollAfter(ctx) : unrollBefore(ctx);
}

interface GruFactors {
  /** Per step: z, r, (1−z)∘act'(n), (h−n)∘σ'(z), and the reset mode's third factor. */
  readonly z: T[];
  readonly r: T[];
  readonly k1: T[];
  readonly k2: T[];
  readonly k3: T[];
}

/** `third`: what dr_pre is dan (reset_after) or d(r∘h) (reset_before) times, before σ'(r). */
function factors(ctx: LayerContext, pzr: T[], zr: T[], pn: T[], n: T[], Hprev: T, third: T): GruFactors {
  const { b, units: u } = ctx;
  const ZR = timeConcat(b, zr, 'ZR');
  const N = timeConcat(b, n, 'N');
  const [Z, R] = b.split(ZR, [u, u], 1, 'zr');
  const dzr = b.actDeriv(ctx.recurrentActivation, () => timeConcat(b, pzr, 'PZR'), ZR);
  const [Dz, Dr] = dzr === null ? [null, null] : b.split(dzr, [u, u], 1, 'dzr');
  return {
    z: perStep(ctx, Z, 'z'),
    r: perStep(ctx, R, 'r'),
    k1: perStep(ctx, b.mulOpt(b.sub(b.scalar(1), Z), b.actDeriv(ctx.activation, () => timeConcat(b, pn, 'PN'), N)), 'k1'),
    k2: perStep(ctx, b.mulOpt(b.sub(Hprev, N), Dz), 'k2'),
    k3: perStep(ctx, b.mulOpt(third, Dr), 'k3'),
  };
}

function gradientAt(ext: T | null, t: number, steps: number, carried: () => T): T {
  const dh = t === steps - 1 ? ext : carried();
  if (dh === null) throw new Error('GRU backward: no gradient reaches the last step');
  return dh;
}

function unrollAfter(ctx: LayerContext): UnrolledLayer {
  const { b, steps, units: u } = ctx;
  const [bIn, bRec] = ctx.bias === null ? [null, null] : b.split(ctx.bias, [1, 1], 0, 'bias');
  const [XZR, XH] = b.split(b.gemm(ctx.x, ctx.kernel, bIn, 'xw'), [2 * u, u], 1, 'xg');
  const xzr = perStep(ctx, XZR, 'xzr');
  const xh = perStep(ctx, XH, 'xh');
  const pzrs: T[] = [];
  const zrs: T[] = [];
  const hhs: T[] = [];
  const pns: T[] = [];
  const ns: T[] = [];
  const hs: T[] = [];
  let h = ctx.initial[0];
  for (let t = 0; t < steps; t++) {
    const [hzr, hh] = b.split(b.gemm(h, ctx.recurrent, bRec, 'hu'), [2 * u, u], 1, 'hg');
    const pzr = b.add(xzr[t], hzr);
    const zr = b.act(ctx.recurrentActivation, pzr);
    const [z, r] = b.split(zr, [u, u], 1, 'zr');
    const pn = b.add(xh[t], b.mul(r, hh));
    const n = b.act(ctx.activation, pn);
    h = b.add(n, b.mul(z, b.sub(h, n)));
    pzrs.push(pzr);
    zrs.push(zr);
    hhs.push(hh);
    pns.push(pn);
    ns.push(n);
    hs.push(h);
  }
  return {
    hs,
    statesAfter: (t) => [hs[t]],
    backward(external, needInput) {
      const Hprev = previous(b, ctx.initial[0], hs);
      const k = factors(ctx, pzrs, zrs, pns, ns, Hprev, timeConcat(b, hhs, 'HH'));
      const dZx: T[] = new Array<T>(steps);
      const dZh: T[] = new Array<T>(steps);
      const dhs: T[] = new Array<T>(steps);
      for (let t = steps - 1; t >= 0; t--) {
        const ext = external[t] ?? null;
        const dh = gradientAt(ext, t, steps, () => {
          const direct = b.mul(dhs[t + 1], k.z[t + 1]);
          return b.gemm(dZh[t + 1], ctx.recurrent, ext === null ? direct : b.add(direct, ext), 'dh', false, true);
        });
        dhs[t] = dh;
        const dan = b.mul(dh, k.k1[t]);
        const dpz = b.mul(dh, k.k2[t]);
        const dpr = b.mul(dan, k.k3[t]);
        dZx[t] = b.concat([dpz, dpr, dan], 1, 'dzx');
        dZh[t] = b.concat([dpz, dpr, b.mul(dan, k.r[t])], 1, 'dzh');
      }
      const DZX = timeConcat(b, dZx, 'dZx');
      const DZH = timeConcat(b, dZh, 'dZh');
      const proj = projectionGradients(ctx, DZX, needInput);
      return {
        kernel: proj.kernel,
        recurrent: b.gemm(Hprev, DZH, null, 'dU', true),
        bias: ctx.bias === null ? null : b.concat([b.sumRows(DZX, true), b.sumRows(DZH, true)], 0, 'db'),
        input: proj.input,
      };
    },
  };
}

function unrollBefore(ctx: LayerContext): UnrolledLayer {
  const { b, steps, units: u } = ctx;
  const [XZR, XH] = b.split(b.gemm(ctx.x, ctx.kernel, ctx.bias, 'xw'), [2 * u, u], 1, 'xg');
  const [Uzr, Uh] = b.split(ctx.recurrent, [2 * u, u], 1, 'U');
  const xzr = perStep(ctx, XZR, 'xzr');
  const xh = perStep(ctx, XH, 'xh');
  const pzrs: T[] = [];
  const zrs: T[] = [];
  const rhs: T[] = [];
  const pns: T[] = [];
  const ns: T[] = [];
  const hs: T[] = [];
  let h = ctx.initial[0];
  for (let t = 0; t < steps; t++) {
    const pzr = b.gemm(h, Uzr, xzr[t], 'pzr');
    const zr = b.act(ctx.recurrentActivation, pzr);
    const [z, r] = b.split(zr, [u, u], 1, 'zr');
    const rh = b.mul(r, h);
    const pn = b.gemm(rh, Uh, xh[t], 'pn');
    const n = b.act(ctx.activation, pn);
    h = b.add(n, b.mul(z, b.sub(h, n)));
    pzrs.push(pzr);
    zrs.push(zr);
    rhs.push(rh);
    pns.push(pn);
    ns.push(n);
    hs.push(h);
  }
  return {
    hs,
    statesAfter: (t) => [hs[t]],
    backward(external, needInput) {
      const Hprev = previous(b, ctx.initial[0], hs);
      const k = factors(ctx, pzrs, zrs, pns, ns, Hprev, Hprev);
      const dzr: T[] = new Array<T>(steps);
      const dan: T[] = new Array<T>(steps);
      const drh: T[] = new Array<T>(steps);
      const dhs: T[] = new Array<T>(steps);
      for (let t = steps - 1; t >= 0; t--) {
        const ext = external[t] ?? null;
        const dh = gradientAt(ext, t, steps, () => {
          const c = b.sum([b.mul(dhs[t + 1], k.z[t + 1]), b.mul(drh[t + 1], k.r[t + 1]), ext])!;
          return b.gemm(dzr[t + 1], Uzr, c, 'dh', false, true);
        });
        dhs[t] = dh;
        dan[t] = b.mul(dh, k.k1[t]);
        drh[t] = b.gemm(dan[t], Uh, null, 'drh', false, true);
        dzr[t] = b.concat([b.mul(dh, k.k2[t]), b.mul(drh[t], k.k3[t])], 1, 'dzr');
      }
      const DZR = timeConcat(b, dzr, 'dZR');
      const DAN = timeConcat(b, dan, 'dAN');
      const DZX = b.concat([DZR, DAN], 1, 'dZx');
      const proj = projectionGradients(ctx, DZX, needInput);
      const dUzr = b.gemm(Hprev, DZR, null, 'dUzr', true);
      const dUh = b.gemm(timeConcat(b, rhs, 'RH'), DAN, null, 'dUh', true);
      return {
        kernel: proj.kernel,
        recurrent: b.concat([dUzr, dUh], 1, 'dU'),
        bias: ctx.bias === null ? null : b.sumRows(DZX),
        input: proj.input,
      };
    },
  };
}
