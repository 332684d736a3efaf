import type { T } from './builder';
import { type LayerContext, perStep, previous, projectionGradients, timeConcat, type UnrolledLayer } from './layer';

/** Keras SimpleRNN: h' = act(x·W + h·U + b). Backward: dpre = (ext + dpre_{t+1}·Uᵀ)∘act'. */
export function unrollSimple(ctx: LayerContext): UnrolledLayer {
  const { b, steps } = ctx;
  const xw = perStep(ctx, b.gemm(ctx.x, ctx.kernel, ctx.bias, 'xw'), 'xw');
  const pres: T[] = [];
  const hs: T[] = [];
  let h = ctx.initial[0];
  for (let t = 0; t < steps; t++) {
    const pre = b.gemm(h, ctx.recurrent, xw[t], 'pre');
    h = b.act(ctx.activation, pre);
    pres.push(pre);
    hs.push(h);
  }
  return {
    hs,
    statesAfter: (t) => [hs[t]],
    backward(external, needInput) {
      const deriv = b.actDeriv(ctx.activation, () => timeConcat(b, pres, 'PRE'), timeConcat(b, hs, 'H'));
      const d = deriv === null ? null : perStep(ctx, deriv, 'd');
      const dpre: T[] = new Array<T>(steps);
      for (let t = steps - 1; t >= 0; t--) {
        const ext = external[t] ?? null;
        const dh = t === steps - 1 ? ext : b.gemm(dpre[t + 1], ctx.recurrent, ext, 'dh', false, true);
        if (dh === null) throw new Error('SimpleRNN backward: no gradient reaches the last step');
        dpre[t] = b.mulOpt(dh, d === null ? null : d[t]);
      }
      const dZ = timeConcat(b, dpre, 'dZ');
      const proj = projectionGradients(ctx, dZ, needInput);
      return {
        kernel: proj.kernel,
        recurrent: b.gemm(previous(b, ctx.initial[0], hs), dZ, null, 'dU', true),
        bias: ctx.bias === null ? null : b.sumRows(dZ),
        input: proj.input,
      };
    },
  };
}
