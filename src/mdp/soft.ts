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
 * Discounted (γ < 1): Gauss–Seidel sweeps over the tried pairs, Anderson-accelerated (anderson.ts),
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
import { Anderson } from './anderson.js';
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

// ---- the solvers, shared with likelihood.ts ------------------------------------------------------

/** Soft value iteration at unit rationality on an already scaled reward (β r, or θ · φ). */
export interface SoftCore {
  readonly q: Float64Array;
  readonly values: Float64Array;
  /** log Σ_{a ∈ A(s)} exp Q(s, a) `[S]` (0 where nothing was tried): log π(a | s) = Q(s, a) − logZ(s). */
  readonly logZ: Float64Array;
  readonly policy: Float64Array;
  /** Finite horizon, when asked for: the policies with 1 … H − 1 steps to go (for the likelihood's gradient). */
  readonly levels: Float64Array[] | null;
  readonly sweeps: number;
  readonly converged: boolean;
}

/** Σ_s' P̂(s' | sa) V(s'): the non-terminal outcomes only. */
export function expectedNext(model: TabularModel, sa: number, values: Float64Array): number {
  let future = 0;
  const end = model.edgeStart[sa + 1];
  for (let e = model.edgeStart[sa]; e < end; e++) future += model.edgeProbability[e] * values[model.edgeState[e]];
  return future;
}

/** The states where some action was tried, in id order: the only ones the solvers sweep. */
export function activeStates(model: TabularModel): Int32Array {
  const out: number[] = [];
  for (let s = 0; s < model.stateCount; s++) if (model.triedCount[s] > 0) out.push(s);
  return Int32Array.from(out);
}

/** The solvers' compact view of a model: tried pairs in one run, each with its edges' range. */
interface Compact {
  /** States with a tried action, by id. */
  readonly active: Int32Array;
  /** Compact pairs of active state i: [stateStart[i], stateStart[i + 1]). */
  readonly stateStart: Int32Array;
  /** Edges of compact pair p: [pairEdgeStart[p], pairEdgeStart[p + 1]). */
  readonly pairEdgeStart: Int32Array;
  /** log |A(s)| per active state. */
  readonly logCount: Float64Array;
  /** The index in `active` of each edge's target state, or −1 where nothing was tried there. */
  readonly edgeTarget: Int32Array;
}

const COMPACT = new WeakMap<TabularModel, Compact>();

/** The compact view, built once per model. */
export function compactOf(model: TabularModel): Compact {
  let compact = COMPACT.get(model);
  if (compact !== undefined) return compact;
  const active = activeStates(model);
  const stateStart = Int32Array.from({ length: active.length + 1 }, (_, i) => (i < active.length ? model.pairStart[active[i]] : model.pairs.length));
  const pairEdgeStart = Int32Array.from({ length: model.pairs.length + 1 }, (_, p) =>
    p < model.pairs.length ? model.edgeStart[model.pairs[p]] : model.edgeStart[model.edgeStart.length - 1],
  );
  const logCount = Float64Array.from(active, (s) => Math.log(model.triedCount[s]));
  const index = new Int32Array(model.stateCount).fill(-1);
  active.forEach((s, i) => (index[s] = i));
  const edgeTarget = model.edgeState.map((s) => index[s]);
  compact = { active, stateStart, pairEdgeStart, logCount, edgeTarget };
  COMPACT.set(model, compact);
  return compact;
}

/**
 * Soft value iteration with V(s) = log mean_{a ∈ A(s)} exp Q(s, a). `warm` (values `[S]`) starts the
 * discounted sweeps nearer the fixed point; `keepLevels` keeps a finite horizon's earlier policies.
 * The sweeps run over the compact pairs; Q is scattered back to `[S × A]` at the end.
 */
export function softSolve(model: TabularModel, reward: Float64Array, options: ResolvedSoftOptions, warm: Float64Array | null, keepLevels: boolean): SoftCore {
  const S = model.stateCount;
  const { pairs, edgeState, edgeProbability } = model;
  const { active, stateStart, pairEdgeStart, logCount } = compactOf(model);
  const { gamma, horizon, tolerance, maxSweeps } = options;
  const P = pairs.length;
  const compactReward = new Float64Array(P);
  for (let p = 0; p < P; p++) compactReward[p] = reward[pairs[p]];
  const compactQ = new Float64Array(P);
  const logZ = new Float64Array(S);
  const levels: Float64Array[] | null = keepLevels && horizon > 0 ? [] : null;
  // One backup of active state i from `from`: writes Q(s, ·) and logZ(s), returns the new V(s).
  const backup = (i: number, from: Float64Array): number => {
    const begin = stateStart[i];
    const end = stateStart[i + 1];
    let max = -Infinity;
    for (let p = begin; p < end; p++) {
      let future = 0;
      for (let e = pairEdgeStart[p], last = pairEdgeStart[p + 1]; e < last; e++) future += edgeProbability[e] * from[edgeState[e]];
      const value = compactReward[p] + gamma * future;
      compactQ[p] = value;
      if (value > max) max = value;
    }
    let sum = 0;
    for (let p = begin; p < end; p++) sum += Math.exp(compactQ[p] - max);
    const z = max + Math.log(sum);
    logZ[active[i]] = z;
    return z - logCount[i];
  };
  const finish = (values: Float64Array, sweeps: number, converged: boolean): SoftCore => {
    const q = scatter(model, compactQ);
    return { q, values, logZ, policy: policyOf(model, q, logZ), levels, sweeps, converged };
  };
  const n = active.length;
  if (horizon > 0) {
    let values = new Float64Array(S);
    let next = new Float64Array(S);
    for (let h = 1; h <= horizon; h++) {
      for (let i = 0; i < n; i++) next[active[i]] = backup(i, values);
      [values, next] = [next, values];
      if (levels !== null && h < horizon) levels.push(policyOf(model, scatter(model, compactQ), logZ));
    }
    return finish(values, horizon, true);
  }
  // Gauss–Seidel sweeps (later states see this sweep's earlier values), Anderson-accelerated: x is
  // the iterate over the active states, `values` the sweep's working copy over all states
  const values = new Float64Array(S);
  const x = new Float64Array(n);
  const image = new Float64Array(n);
  if (warm !== null) for (let i = 0; i < n; i++) x[i] = warm[active[i]];
  const anderson = new Anderson(n);
  let sweeps = 0;
  let converged = false;
  while (sweeps < maxSweeps && !converged) {
    sweeps++;
    for (let i = 0; i < n; i++) values[active[i]] = x[i];
    let change = 0;
    let scale = 1;
    for (let i = 0; i < n; i++) {
      const v = backup(i, values);
      change = Math.max(change, Math.abs(v - x[i]));
      scale = Math.max(scale, Math.abs(v));
      values[active[i]] = v;
      image[i] = v;
    }
    converged = change <= tolerance * scale;
    if (!converged) anderson.step(x, image);
  }
  // One more pass from the final values, so that Q, logZ and V agree exactly.
  const final = new Float64Array(S);
  for (let i = 0; i < n; i++) final[active[i]] = backup(i, values);
  return finish(final, sweeps, converged);
}

/** Compact Q back to `[S × A]`, −∞ for pairs never tried. */
function scatter(model: TabularModel, compactQ: Float64Array): Float64Array {
  const q = new Float64Array(model.stateCount * model.actionCount).fill(-Infinity);
  for (let p = 0; p < compactQ.length; p++) q[model.pairs[p]] = compactQ[p];
  return q;
}

/** π(a | s) = exp(Q(s, a) − logZ(s)) over tried actions; uniform over all where none was tried. */
function policyOf(model: TabularModel, q: Float64Array, logZ: Float64Array): Float64Array {
  const A = model.actionCount;
  const { pairStart, pairs } = model;
  const policy = new Float64Array(q.length);
  for (let s = 0; s < model.stateCount; s++) {
    const begin = pairStart[s];
    const end = pairStart[s + 1];
    if (begin === end) policy.fill(1 / A, s * A, (s + 1) * A);
    for (let p = begin; p < end; p++) policy[pairs[p]] = Math.exp(q[pairs[p]] - logZ[s]);
  }
  return policy;
}

/** Ties within this relative margin of the best action value share the optimal policy's mass. */
export const TIE_MARGIN = 1e-9;

/** Hard value iteration (V = max over tried actions) and the optimal policy, uniform over ties. */
export function hardSolve(
  model: TabularModel,
  reward: Float64Array,
  options: ResolvedSoftOptions,
): { probabilities: Float64Array; q: Float64Array; values: Float64Array; sweeps: number; converged: boolean } {
  const S = model.stateCount;
  const A = model.actionCount;
  const { pairStart, pairs } = model;
  const { gamma, horizon, tolerance, maxSweeps } = options;
  const active = activeStates(model);
  const q = new Float64Array(S * A).fill(-Infinity);
  const backup = (s: number, from: Float64Array): number => {
    let max = -Infinity;
    for (let p = pairStart[s]; p < pairStart[s + 1]; p++) {
      const sa = pairs[p];
      const value = reward[sa] + gamma * expectedNext(model, sa, from);
      q[sa] = value;
      if (value > max) max = value;
    }
    return max;
  };
  let values = new Float64Array(S);
  let sweeps = 0;
  let converged = true;
  if (horizon > 0) {
    let next = new Float64Array(S);
    for (let h = 1; h <= horizon; h++) {
      for (const s of active) next[s] = backup(s, values);
      [values, next] = [next, values];
    }
    sweeps = horizon;
  } else {
    converged = false;
    while (sweeps < maxSweeps && !converged) {
      sweeps++;
      let change = 0;
      let scale = 1;
      for (const s of active) {
        const v = backup(s, values);
        change = Math.max(change, Math.abs(v - values[s]));
        scale = Math.max(scale, Math.abs(v));
        values[s] = v;
      }
      converged = change <= tolerance * scale;
    }
    const final = new Float64Array(S);
    for (const s of active) final[s] = backup(s, values);
    values = final;
  }
  const probabilities = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    const begin = pairStart[s];
    const end = pairStart[s + 1];
    if (begin === end) {
      probabilities.fill(1 / A, s * A, (s + 1) * A);
      continue;
    }
    const best = values[s];
    const margin = TIE_MARGIN * (1 + Math.abs(best));
    let ties = 0;
    for (let p = begin; p < end; p++) if (q[pairs[p]] >= best - margin) ties++;
    for (let p = begin; p < end; p++) if (q[pairs[p]] >= best - margin) probabilities[pairs[p]] = 1 / ties;
  }
  return { probabilities, q, values, sweeps, converged };
}

function negate(q: Float64Array, values: Float64Array): void {
  for (let sa = 0; sa < q.length; sa++) if (Number.isFinite(q[sa])) q[sa] = -q[sa];
  for (let s = 0; s < values.length; s++) values[s] = -values[s];
}
