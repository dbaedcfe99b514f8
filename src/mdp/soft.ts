/**
 * Soft-optimal (Boltzmann-rational, maximum causal entropy) policies on a tabular model, for a reward
 * r(s, a) = w · φ(s, a) and a rationality β:
 *
 *   Q(s, a) = r(s, a) + γ Σ_s' P̂(s' | s, a) V(s')                 (terminal outcomes add nothing)
 *   V(s)    = (1/β) log( (1/|A(s)|) Σ_{a ∈ A(s)} exp(β Q(s, a)) )
 *   π(a | s) = exp(β Q(s, a)) / Σ_{a' ∈ A(s)} exp(β Q(s, a'))
 *
 * (Ziebart, Bagnell & Dey 2010, "Modeling Interaction via the Principle of Maximum Causal Entropy",
 * soft value iteration; Ziebart 2010, PhD thesis, ch. 6; MacDermott et al. 2024, "Measuring
 * Goal-Directedness", Eq. 3 and Def. 5.2 for the β-parameterised form.) β → ∞ gives the optimal
 * policy, β = 0 the uniform one. The −log |A(s)| inside V measures entropy relative to the uniform
 * policy (the KL-regularised form of Todorov 2009 and Rubin, Shamir & Tishby 2012): it makes β = 0
 * exactly uniform even where episodes end at different times. Plain maximum causal entropy would
 * reward staying alive for its own sake there (every extra step adds entropy), so that β = 0 would
 * not be uniform. Where every state offers the same actions and no episode ends early, the two
 * forms differ by a constant and give the same policy.
 *
 * Discounted (γ < 1): Gauss–Seidel sweeps over the tried pairs, Anderson-accelerated (bellman.ts),
 * until no value changes by more than `tolerance` relative to the largest; finite horizon H: H sweeps
 * from V = 0, and the policy acted on is the one with H steps to go at every step (receding horizon,
 * as the planner's myopic search). β = ±∞ are solved by hard value iteration, ties within a relative
 * 1e-9 shared uniformly; β < 0 (soft-minimising) is allowed for MEG.
 *
 * Pairs never tried are left out of the action set of their state: nothing is known of what they
 * do, so they get probability 0 and Q = −∞. A state where nothing was tried is worth 0 (as in the
 * planner) and gets the uniform distribution over all actions, so every state has a distribution.
 */
import { UsageError } from '../core/errors.js';
import { activeStates, expectedNext, hardSolve, softSolve } from './bellman.js';
import type { TabularModel } from './model.js';

export interface SoftOptions {
  /** Discount γ in [0, 1] (default 0.99); 1 needs a finite horizon. */
  readonly gamma?: number;
  /** Finite planning horizon H (receding); 0, the default, plans discounted without one. */
  readonly horizon?: number;
  /** Discounted sweeps stop once no value changes by more than this, relative to the largest (default 1e-8). */
  readonly tolerance?: number;
  /** Most discounted sweeps (default 100 000). */
  readonly maxSweeps?: number;
}

export interface ResolvedSoftOptions {
  readonly gamma: number;
  readonly horizon: number;
  readonly tolerance: number;
  readonly maxSweeps: number;
}

/** A soft-optimal policy and its values, in the reward's units. */
export interface SoftPolicy {
  readonly beta: number;
  /** π(a | s) `[S × A]`: sums to 1 in every state; 0 for pairs never tried. */
  readonly probabilities: Float64Array;
  /** Q(s, a) `[S × A]`; −∞ for pairs never tried. */
  readonly q: Float64Array;
  /** V(s) `[S]`. */
  readonly values: Float64Array;
  readonly sweeps: number;
  readonly converged: boolean;
}

export function resolveSoftOptions(options: SoftOptions = {}): ResolvedSoftOptions {
  const resolved = {
    gamma: options.gamma ?? 0.99,
    horizon: options.horizon ?? 0,
    tolerance: options.tolerance ?? 1e-8,
    maxSweeps: options.maxSweeps ?? 100_000,
  };
  const { gamma, horizon, tolerance, maxSweeps } = resolved;
  if (!(gamma >= 0 && gamma <= 1)) throw new UsageError(`The discount gamma must be in [0, 1]; got ${gamma}.`);
  if (!Number.isInteger(horizon) || horizon < 0) throw new UsageError(`The planning horizon must be an integer >= 0 (0: discounted, none); got ${horizon}.`);
  if (gamma === 1 && horizon === 0) throw new UsageError('gamma = 1 needs a finite planning horizon (e.g. horizon: 50): undiscounted values need not converge.');
  if (!(tolerance > 0)) throw new UsageError(`The tolerance must be > 0; got ${tolerance}.`);
  if (!Number.isInteger(maxSweeps) || maxSweeps < 1) throw new UsageError(`maxSweeps must be an integer >= 1; got ${maxSweeps}.`);
  return resolved;
}

/** r(s, a) = w · φ(s, a) for every tried pair (0 elsewhere); `weights` in spec order. */
export function rewardTable(model: TabularModel, weights: ArrayLike<number>): Float64Array {
  const k = model.objectives.length;
  if (weights.length !== k) throw new UsageError(`${model.env} has ${k} candidate objectives (${model.objectives.join(', ')}); got ${weights.length} weights.`);
  const reward = new Float64Array(model.visits.length);
  for (let sa = 0; sa < reward.length; sa++) {
    if (model.visits[sa] === 0) continue;
    let r = 0;
    for (let j = 0; j < k; j++) r += weights[j] * model.features[sa * k + j];
    reward[sa] = r;
  }
  return reward;
}

/** The soft-optimal policy for r = w · φ at rationality β (±Infinity: optimal / pessimal; 0: uniform). */
export function softPolicy(model: TabularModel, weights: ArrayLike<number>, beta: number, options: SoftOptions = {}): SoftPolicy {
  if (Number.isNaN(beta)) throw new UsageError('The rationality beta must be a number (0: uniform, Infinity: optimal); got NaN.');
  const resolved = resolveSoftOptions(options);
  const reward = rewardTable(model, weights);
  if (beta === 0) {
    const probabilities = uniformPolicy(model);
    const { q, values, sweeps, converged } = evaluatePolicy(model, probabilities, reward, options);
    return { beta, probabilities, q, values, sweeps, converged };
  }
  if (!Number.isFinite(beta)) {
    // β = −∞ minimises: the optimal policy of −r, whose values are those of r negated.
    const sign = beta > 0 ? 1 : -1;
    if (sign < 0) for (let sa = 0; sa < reward.length; sa++) reward[sa] = -reward[sa];
    const hard = hardSolve(model, reward, resolved);
    if (sign < 0) negate(hard.q, hard.values);
    return { beta, ...hard };
  }
  for (let sa = 0; sa < reward.length; sa++) reward[sa] *= beta;
  const core = softSolve(model, reward, resolved, null, false);
  // Back from the scaled reward β r to the reward's units: Q = Q_β / β, V = V_β / β.
  const q = core.q;
  const values = core.values;
  for (let sa = 0; sa < q.length; sa++) q[sa] /= beta;
  for (let s = 0; s < values.length; s++) values[s] /= beta;
  return { beta, probabilities: core.policy, q, values, sweeps: core.sweeps, converged: core.converged };
}

/** The optimal policy for r = w · φ: uniform over the best tried actions of each state. */
export function optimalPolicy(model: TabularModel, weights: ArrayLike<number>, options: SoftOptions = {}): SoftPolicy {
  return softPolicy(model, weights, Infinity, options);
}

/** Uniform over the tried actions of each state (over all actions where none was tried). */
export function uniformPolicy(model: TabularModel): Float64Array {
  const A = model.actionCount;
  const policy = new Float64Array(model.stateCount * A);
  for (let s = 0; s < model.stateCount; s++) {
    const n = model.triedCount[s];
    for (let a = 0; a < A; a++) {
      const sa = s * A + a;
      policy[sa] = n === 0 ? 1 / A : model.visits[sa] > 0 ? 1 / n : 0;
    }
  }
  return policy;
}

/** (1 − p) · first + p · second, state by state. */
export function mixPolicies(first: Float64Array, second: Float64Array, p: number): Float64Array {
  if (first.length !== second.length) throw new UsageError(`Policies of different sizes cannot be mixed (${first.length} and ${second.length} entries).`);
  if (!(p >= 0 && p <= 1)) throw new UsageError(`The mixing share p must be in [0, 1]; got ${p}.`);
  return first.map((x, i) => (1 - p) * x + p * second[i]);
}

/**
 * Q and V of a fixed policy: Q = r + γ P̂ V, V(s) = Σ_a π(a | s) Q(s, a) over tried actions (mass on
 * untried actions adds nothing: their worth is unknown, counted 0 as a state where nothing was tried).
 */
export function evaluatePolicy(
  model: TabularModel,
  policy: Float64Array,
  reward: Float64Array,
  options: SoftOptions = {},
): { q: Float64Array; values: Float64Array; sweeps: number; converged: boolean } {
  const { gamma, horizon, tolerance, maxSweeps } = resolveSoftOptions(options);
  const S = model.stateCount;
  const { pairStart, pairs } = model;
  const active = activeStates(model);
  const q = new Float64Array(S * model.actionCount).fill(-Infinity);
  let values = new Float64Array(S);
  let next = horizon > 0 ? new Float64Array(S) : values;
  const sweep = (): number => {
    let change = 0;
    let scale = 1;
    for (const s of active) {
      let v = 0;
      for (let p = pairStart[s]; p < pairStart[s + 1]; p++) {
        const sa = pairs[p];
        const value = reward[sa] + gamma * expectedNext(model, sa, values);
        q[sa] = value;
        v += policy[sa] * value;
      }
      change = Math.max(change, Math.abs(v - values[s]));
      scale = Math.max(scale, Math.abs(v));
      next[s] = v;
    }
    return change / scale;
  };
  if (horizon > 0) {
    for (let h = 0; h < horizon; h++) {
      sweep();
      [values, next] = [next, values];
    }
    return { q, values, sweeps: horizon, converged: true };
  }
  for (let sweeps = 1; sweeps <= maxSweeps; sweeps++) {
    if (sweep() <= tolerance) return { q, values, sweeps, converged: true };
  }
  return { q, values, sweeps: maxSweeps, converged: false };
}

/** Negate values in place; Q of untried pairs stays −∞. */
function negate(q: Float64Array, values: Float64Array): void {
  for (let sa = 0; sa < q.length; sa++) if (Number.isFinite(q[sa])) q[sa] = -q[sa];
  for (let s = 0; s < values.length; s++) values[s] = -values[s];
}
