/**
 * Actor-critic networks for the policy-gradient optimizers, behind `ActorCriticNetwork`.
 * `mlp`: a tanh MLP actor and a separate tanh MLP critic (CleanRL's ppo.py architecture, orthogonal
 * initialisation with gains √2, 0.01 and 1) with backpropagation written out by hand, on the
 * project's own WebAssembly SIMD kernels (`nn/simd/`) instead of tfjs: at this size tfjs's per-op
 * bookkeeping costs as much as the arithmetic.
 * `cnn`: two 3×3 convolutions and a dense layer shared by the policy and value heads.
 */
import type { Rng } from '../core/rng.js';
import type { ObservationShape } from '../engine/spec.js';
import { CnnActorCritic } from '../nn/cnn-actor-critic.js';
import { TanhMlpActorCritic } from '../nn/tanh-mlp.js';
import type { ActorCriticNetwork } from '../nn/actor-critic.js';

export const NETWORK_KINDS = ['mlp', 'cnn'] as const;
export type NetworkKind = (typeof NETWORK_KINDS)[number];

/**
 * `critic: false` for optimizers that read only the logits (DQN's Q-values, behaviour cloning's
 * classifier): the mlp then skips its separate critic network; the cnn's value head shares the torso
 * and costs little, so it keeps it.
 */
export function createNetwork(kind: NetworkKind, shape: ObservationShape, actions: number, hidden: number, rng: Rng, options: { readonly critic?: boolean } = {}): ActorCriticNetwork {
  const inputs = shape.channels.length * shape.height * shape.width;
  if (kind === 'mlp') return new TanhMlpActorCritic(inputs, actions, [hidden, hidden], rng, options);
  return new CnnActorCritic({ channels: shape.channels.length, height: shape.height, width: shape.width }, actions, hidden, rng);
}

/** dst[dstRow] ← src[srcRow], rows of `width` floats, for batching observations (no subarray views: this runs per step). */
export function copyRow(src: Float32Array, srcRow: number, dst: Float32Array, dstRow: number, width: number): void {
  const s = srcRow * width;
  const d = dstRow * width;
  for (let x = 0; x < width; x++) dst[d + x] = src[s + x];
}
