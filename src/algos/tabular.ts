/**
 * What the tabular optimizers (Q-learning, SARSA, the planner) share: the check that an environment
 * has state ids, a `VectorEnv` that also reports the state each finished episode ended in, greedy
 * action choice with a fixed tie-break, the greedy policy over a table, and checkpoint helpers.
 */
import { UsageError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Observation } from '../engine/env.js';
import type { Params } from '../engine/knobs.js';
import { VectorEnv } from '../engine/vector.js';
import type { Policy, TrainerState, TrainSetup } from '../train/types.js';

/** The number of state ids of the setup's environment, or a usage error saying how to get some. */
export function requireStateCount(setup: TrainSetup, algo: string): number {
  const count = setup.spec.stateCount(setup.params);
  if (count !== null) return count;
  const fix =
    'layoutSeed' in setup.spec.knobs
      ? `Fix one layout (e.g. --set layoutSeed=0) so that states can be enumerated, or use a non-tabular algorithm.`
      : `Use a non-tabular algorithm for ${setup.spec.name}.`;
  throw new UsageError(
    `Algorithm "${algo}" is tabular and needs integer state ids, but ${setup.spec.name} has none under these ` +
      `settings (its state space is too large to enumerate). ${fix}`,
  );
}

/**
 * A `VectorEnv` plus `finalStateIds[i]`: the state copy i's episode ended in, valid where
 * `terminated[i] | truncated[i]`. The VectorEnv auto-resets in the same step, so `stateIds[i]` already
 * holds the next episode's first state, and a truncated episode must bootstrap from the state it was
 * cut off in.
 */
export interface TabularVectorEnv {
  readonly vec: VectorEnv<Params>;
  readonly finalStateIds: Int32Array;
}

export function tabularVectorEnv(setup: TrainSetup, copies: number): TabularVectorEnv {
  const vec = new VectorEnv(setup.spec, setup.params, copies);
  return { vec, finalStateIds: vec.finalStateIds };
}

/**
 * The action with the highest value in `table[offset .. offset + actionCount)`; ties go to the lowest
 * action index, so greedy choice is deterministic and needs no random draw.
 */
export function greedyAction(table: Float64Array, offset: number, actionCount: number): number {
  let best = 0;
  let bestValue = table[offset];
  for (let a = 1; a < actionCount; a++) {
    const value = table[offset + a];
    if (value > bestValue) {
      best = a;
      bestValue = value;
    }
  }
  return best;
}

/** The largest value in `table[offset .. offset + actionCount)`. */
export function maxValue(table: Float64Array, offset: number, actionCount: number): number {
  let best = table[offset];
  for (let a = 1; a < actionCount; a++) if (table[offset + a] > best) best = table[offset + a];
  return best;
}

/**
 * Greedy on a table of action values `[stateCount, actionCount]` (a view into a larger table is fine).
 * Deterministic: ties go to the lowest action index and the `rng` is not used.
 */
export class GreedyTablePolicy implements Policy {
  constructor(
    private readonly table: Float64Array,
    private readonly stateCount: number,
    private readonly actionCount: number,
    private readonly envName: string,
  ) {}

  act(observation: Observation, _rng: Rng): number {
    const s = observation.stateId;
    if (!(s >= 0 && s < this.stateCount)) {
      throw new RangeError(`a tabular policy needs a state id in [0, ${this.stateCount}) from ${this.envName}; got ${s}`);
    }
    return greedyAction(this.table, s * this.actionCount, this.actionCount);
  }
}

// ---- checkpoints --------------------------------------------------------------------------------

type RngState = [number, number, number, number];

/** The saved `json` as an object, or a usage error naming the algorithm the checkpoint should be for. */
export function stateJson(state: TrainerState, algo: string): Record<string, unknown> {
  const json = state.json as Record<string, unknown> | null;
  if (typeof json !== 'object' || json === null || json.algo !== algo) {
    const found = typeof json === 'object' && json !== null ? String(json.algo) : typeof json;
    throw new UsageError(`This checkpoint is not a "${algo}" trainer's state (it says "${found}").`);
  }
  return json;
}

export function savedNumber(json: Record<string, unknown>, key: string): number {
  const value = json[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new UsageError(`Checkpoint field "${key}" is missing or not a number.`);
  return value;
}

export function savedRngState(json: Record<string, unknown>, key: string): RngState {
  const value = json[key];
  if (!Array.isArray(value) || value.length !== 4 || !value.every((w) => Number.isInteger(w))) {
    throw new UsageError(`Checkpoint field "${key}" is not a generator state (four 32-bit words).`);
  }
  return value as RngState;
}

/** A saved array of the expected kind and length; a mismatch means another env or configuration. */
export function savedArray<T extends Float64Array | Int32Array | Uint32Array>(
  state: TrainerState,
  key: string,
  kind: { new (length: number): T; name: string },
  length?: number,
): T {
  const array = state.arrays[key];
  if (!(array instanceof kind)) throw new UsageError(`Checkpoint array "${key}" is missing or not a ${kind.name}.`);
  if (length !== undefined && array.length !== length) {
    throw new UsageError(
      `Checkpoint array "${key}" has ${array.length} entries where this environment and configuration need ${length}: ` +
        'was it saved for another environment, split or setting?',
    );
  }
  return array as T;
}


