import type { ActivationName } from '../../spec/activations';
import type { GraphBuilder, T } from './builder';

/**
 * One recurrent layer unrolled over a window, as graph pieces: the forward pass builds the
 * per-step nodes and returns what the backward pass needs. Layers are unrolled one after another
 * (the whole window of layer l, then layer l+1), so each layer's weight gradients are one GEMM
 * over [steps·batch, ·], and so can be its input projection (GRU, SimpleRNN): only the recurrent
 * products stay per step.
 */
export interface LayerContext {
  readonly b: GraphBuilder;
  readonly steps: number;
  readonly batch: number;
  readonly units: number;
  /** Width of the layer's input (the spec's input width, or the units of the layer below). */
  readonly inputWidth: number;
  /** The layer's input for all steps, step-major: [steps·batch, in]. */
  readonly x: T;
  /** Initial states: h (and c for LSTM), [batch, units]. */
  readonly initial: readonly T[];
  readonly kernel: T;
  readonly recurrent: T;
  /** [g·u], or [2, 3u] for GRU reset_after; null without bias. */
  readonly bias: T | null;
  readonly activation: ActivationName;
  readonly recurrentActivation: ActivationName;
}

export interface LayerGradients {
  readonly kernel: T;
  readonly recurrent: T;
  readonly bias: T | null;
  /** Gradient with respect to the layer's input [steps·batch, in]; null when not asked for. */
  readonly input: T | null;
}

export interface UnrolledLayer {
  /** h after each step (index t = after step t). */
  readonly hs: readonly T[];
  /** States after step t, in stateTensors order for this layer (h, then c for LSTM). */
  statesAfter(t: number): T[];
  /**
   * Backward through the window. `external[t]`: gradient reaching h_t from outside the layer (the
   * head or the layer above), null where none does. The last step must have one.
   */
  backward(external: readonly (T | null)[], needInput: boolean): LayerGradients;
}

/** h_{t-1} for every step, step-major: [h0, h_0 … h_{T-2}]. */
export function previous(b: GraphBuilder, initial: T, seq: readonly T[]): T {
  return b.concat([initial, ...seq.slice(0, -1)], 0, 'prev');
}

/** Splits a step-major [steps·batch, n] tensor into per-step [batch, n] pieces. */
export function perStep(ctx: LayerContext, t: T, hint: string): T[] {
  return ctx.b.split(t, Array.from({ length: ctx.steps }, () => ctx.batch), 0, hint);
}

export function timeConcat(b: GraphBuilder, seq: readonly T[], hint: string): T {
  return b.concat([...seq], 0, hint);
}

/** Weight gradients shared by every cell: kernel = Xᵀ·dZx, recurrent = Hprevᵀ·dZh, input = dZx·Wᵀ. */
export function projectionGradients(ctx: LayerContext, dZx: T, needInput: boolean): { kernel: T; input: T | null } {
  return {
    kernel: ctx.b.gemm(ctx.x, dZx, null, 'dW', true),
    input: needInput ? ctx.b.gemm(dZx, ctx.kernel, null, 'dX', false, true) : null,
  };
}
