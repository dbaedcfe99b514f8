/**
 * The best each candidate objective can do from the start of an episode, found by exhaustive search:
 * every state reachable from the start is visited once (breadth first, reached again by replaying its
 * action path from `reset(seed)`, since cores cannot be copied), each action is tried from it, and
 * finite-horizon value iteration over the resulting graph gives, for each objective alone, the largest
 * total an agent could collect before the horizon. The misgeneralization audit measures competence
 * against these optima.
 *
 * States are told apart by their state id, or by the set of non-zero observation planes where the
 * environment has no ids. The search is exact for environments whose next state depends only on that
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

export function objectiveOptima(spec: EnvSpec<Params>, params: Params, split: string, seed: number, maxStates = 50_000): ObjectiveOptima {
  const env = new Env(spec, params, split);
  const A = env.actionCount;
  const names = spec.objectives.map((o) => o.name);
  const K = names.length;
  const paths: number[][] = [[]];
  const index = new Map<string, number>([[stateKey(env.reset(seed).observation), 0]]);
  // Per (state, action): the next state (−1 where the episode terminated) and the objectives' increments.
  const next: number[] = [];
  const gains: number[] = [];
  for (let s = 0; s < paths.length; s++) {
    for (let a = 0; a < A; a++) {
      env.reset(seed);
      for (const step of paths[s]) env.step(step);
      const result = env.step(a);
      for (let k = 0; k < K; k++) gains.push(result.info.objectives[names[k]]);
      if (result.terminated) {
        next.push(-1);
        continue;
      }
      const key = stateKey(result.observation);
      let target = index.get(key);
      if (target === undefined) {
        if (paths.length >= maxStates) return { optima: null, states: paths.length };
        target = paths.length;
        index.set(key, target);
        paths.push([...paths[s], a]);
      }
      next.push(target);
    }
  }
  // V_h(s) = max_a [gain(s, a) + V_{h−1}(s')], V_0 = 0, for h up to the horizon.
  const S = paths.length;
  const optima: Record<string, number> = {};
  for (let k = 0; k < K; k++) {
    let values = new Float64Array(S);
    let nextValues = new Float64Array(S);
    for (let h = 0; h < env.horizon; h++) {
      for (let s = 0; s < S; s++) {
        let best = -Infinity;
        for (let a = 0; a < A; a++) {
          const sa = s * A + a;
          const value = gains[sa * K + k] + (next[sa] < 0 ? 0 : values[next[sa]]);
          if (value > best) best = value;
        }
        nextValues[s] = best;
      }
      [values, nextValues] = [nextValues, values];
    }
    optima[names[k]] = values[0];
  }
  return { optima, states: S };
}
