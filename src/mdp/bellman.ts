/**
 * The Bellman sweeps behind soft.ts and likelihood.ts, on a model's tried pairs only:
 *
 *   - `softSolve`: soft value iteration at unit rationality on an already scaled reward (β r, or
 *     θ · φ), V(s) = log mean_{a ∈ A(s)} exp Q(s, a) (soft.ts explains the mean over A(s));
 *   - `hardSolve`: hard value iteration, V(s) = max_{a ∈ A(s)} Q(s, a), and the optimal policy with
 *     ties shared uniformly.
 *
 * Discounted, both sweep Gauss–Seidel (a state's backup sees the values this sweep has already
 * updated) until no value changes by more than the tolerance relative to the largest; the soft one is
 * also Anderson-accelerated (anderson.ts), which at γ = 0.9 cuts the sweeps about threefold. With a
 * finite horizon H both take exactly H Jacobi sweeps from V = 0.
 *
 * Sweeps run over a compact view of the model (the states where something was tried, their pairs in
 * one run, each pair's edges), built once per model and cached: strawberry has 8960 state ids, of
 * which uniform exploration tries about a sixth.
 */
import { Anderson } from './anderson.js';
import type { ResolvedSoftOptions } from './soft.js';
import type { TabularModel } from './model.js';

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
