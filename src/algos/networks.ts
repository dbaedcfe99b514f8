/**
 * Actor-critic networks for the policy-gradient optimizers, behind `ActorCriticNetwork`.
 * `mlp`: a tanh MLP actor and a separate tanh MLP critic (CleanRL's ppo.py architecture, orthogonal
 * initialisation with gains √2, 0.01 and 1) with backpropagation written out by hand: a few large
 * wasm ops per layer and no gradient tape, which is where tfjs's time goes on small networks.
 */
import type { Rng } from '../core/rng.js';
import type { ObservationShape } from '../engine/spec.js';
import { TanhMlpActorCritic } from '../nn/tanh-mlp.js';
import type { ActorCriticNetwork } from './policy-net.js';

export type NetworkKind = 'mlp' | 'cnn';

export function createNetwork(kind: NetworkKind, shape: ObservationShape, actions: number, hidden: number, rng: Rng): ActorCriticNetwork {
  const inputs = shape.channels.length * shape.height * shape.width;
  if (kind === 'mlp') return new TanhMlpActorCritic(inputs, actions, [hidden, hidden], rng);
  throw new Error(`network "${kind}" is not built yet`);
}
