/**
 * The best each candidate objective can do from the start of an episode, found by exhaustive search:
 * every state reachable from the start is visited once (breadth first, reached again by replaying its
 * action path from `reset(seed)`, since cores cannot be copied), each action is tried from it, and
 * finite-horizon value iteration over the resulting graph gives, for each objective alone, the largest
 * total an agent could collect before the horizon. The misgeneralization audit measures competence
 * against these optima.
 *
 * Nodes are told apart by their state id, or by the set of non-zero observation planes where the
 * environment has no ids, together with which objectives have paid so far (see `searchKey`). The search is exact for environments whose next state depends only on that
 * state and the action (all of mesalab's gridworlds with fixed randomness per episode seed); where the
 * dynamics also depend on the step count (the bow of `treacherous-turn`), it is an approximation.
 * Graphs larger than `maxStates` are not searched (the result says so).
 */
import { Env, type Observation } from '../engine/env.js';
import type { Params } from '../engine/knobs.js';
import type { EnvSpec } from '../engine/spec.js';

export interface ObjectiveOptima {
  /** Best total of each objective by name, or null where the search was cut off. */
  readonly optima: Readonly<Record<string, number>> | null;
  /** States reached from the start. */
  readonly states: number;
}

/** A key for a state: its id, or its observation's non-zero planes. */
export function stateKey(observation: Observation): string {
  if (observation.stateId >= 0) return `#${observation.stateId}`;
  const planes = observation.planes;
  let key = '';
  for (let i = 0; i < planes.length; i++) if (planes[i] !== 0) key += `${i}:${planes[i]},`;
  return key;
}

/** The graph of states reachable from one episode start: per (state, action), the next state and the objectives' gains. */
export interface ReachableGraph {
  readonly names: readonly string[];
  readonly actions: number;
  readonly horizon: number;
  /** Search keys (`searchKey`) to indices; index 0 is the start. */
  readonly index: ReadonlyMap<string, number>;
  /** Per pair `s × actions + a`: the next state, or −1 where the episode terminated. */
  readonly next: readonly number[];
  /** Per pair and objective `(s × actions + a) × K + k`: the objective's gain. */
  readonly gains: readonly number[];
}

/** Search every state reachable from the start of episode `seed`; null if there are more than `maxStates`. */
export function reachableGraph(spec: EnvSpec<Params>, params: Params, split: string, seed: number, maxStates = 50_000): ReachableGraph | { readonly states: number } {
  const env = new Env(spec, params, split);
  const A = env.actionCount;
  const names = spec.objectives.map((o) => o.name);
  const K = names.length;
  const paths: number[][] = [[]];
  const paid: number[] = [0];
  const index = new Map<string, number>([[searchKey(stateKey(env.reset(seed).observation), 0), 0]]);
  const next: number[] = [];
  const gains: number[] = [];
  for (let s = 0; s < paths.length; s++) {
    // A state first reached at the horizon (its path is breadth-first, so shortest) is never acted in:
    // a leaf. Replaying its path would end the episode; where time is in the state (the guard's round in
    // `vault`), such states exist.
    if (paths[s].length >= env.horizon) {
      for (let a = 0; a < A; a++) {
        for (let k = 0; k < K; k++) gains.push(0);
        next.push(-1);
      }
      continue;
    }
    for (let a = 0; a < A; a++) {
      env.reset(seed);
      for (const step of paths[s]) env.step(step);
      const result = env.step(a);
      let mask = paid[s];
      for (let k = 0; k < K; k++) {
        const gain = result.info.objectives[names[k]];
        gains.push(gain);
        if (gain !== 0) mask |= 1 << k;
      }
      if (result.terminated) {
        next.push(-1);
        continue;
      }
      const key = searchKey(stateKey(result.observation), mask);
      let target = index.get(key);
      if (target === undefined) {
        if (paths.length >= maxStates) return { states: paths.length };
        target = paths.length;
        index.set(key, target);
        paths.push([...paths[s], a]);
        paid.push(mask);
      }
      next.push(target);
    }
  }
  return { names, actions: A, horizon: env.horizon, index, next, gains };
}

/**
 * A search node's key: the state, and which objectives have paid anything so far this episode. State
 * ids and observations can leave out history an objective depends on (the maze pays for entering the
 * top-right room only the first time, and shows no trace of the visit); keeping the objectives that
 * have paid apart makes such once-only payments exact, at most 2^K nodes per state.
 */
export function searchKey(state: string, paid: number): string {
  return `${state}|${paid}`;
}

/**
 * V_h(s) for h = 0 … horizon steps left, of objective k alone, discounted by γ per step: `[(horizon + 1) × S]`.
 * γ = 1 gives the best totals; γ < 1 also prefers the sooner of equal totals, so that an oracle built
 * on it does not idle while time is left over (idling is then strictly worse).
 */
export function horizonValues(graph: ReachableGraph, k: number, gamma = 1): Float64Array {
  const { actions: A, horizon: H, next, gains } = graph;
  const K = graph.names.length;
  const S = graph.index.size;
  const values = new Float64Array((H + 1) * S);
  for (let h = 1; h <= H; h++) {
    const base = h * S;
    const previous = (h - 1) * S;
    for (let s = 0; s < S; s++) {
      let best = -Infinity;
      for (let a = 0; a < A; a++) {
        const sa = s * A + a;
        const value = gains[sa * K + k] + (next[sa] < 0 ? 0 : gamma * values[previous + next[sa]]);
        if (value > best) best = value;
      }
      values[base + s] = best;
    }
  }
  return values;
}

/**
 * The optimal action for objective k at a state with `stepsLeft` steps to go (ties to the lowest
 * index), under the γ that `values` was computed with, or undefined for a state the search did not reach.
 */
export function optimalAction(graph: ReachableGraph, values: Float64Array, k: number, key: string, stepsLeft: number, gamma = 1): number | undefined {
  const s = graph.index.get(key);
  if (s === undefined || stepsLeft < 1) return undefined;
  const { actions: A, next, gains } = graph;
  const K = graph.names.length;
  const S = graph.index.size;
  const previous = (Math.min(stepsLeft, graph.horizon) - 1) * S;
  let best = 0;
  let bestValue = -Infinity;
  for (let a = 0; a < A; a++) {
    const sa = s * A + a;
    const value = gains[sa * K + k] + (next[sa] < 0 ? 0 : gamma * values[previous + next[sa]]);
    if (value > bestValue) [best, bestValue] = [a, value];
  }
  return best;
}

export function objectiveOptima(spec: EnvSpec<Params>, params: Params, split: string, seed: number, maxStates = 50_000): ObjectiveOptima {
  const graph = reachableGraph(spec, params, split, seed, maxStates);
  if (!('index' in graph)) return { optima: null, states: graph.states };
  const S = graph.index.size;
  const optima: Record<string, number> = {};
  graph.names.forEach((name, k) => (optima[name] = horizonValues(graph, k)[graph.horizon * S]));
  return { optima, states: S };
}
