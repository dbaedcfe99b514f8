/** Shared by the tabular optimizers' tests: a setup by env name, a training loop, a greedy episode. */
import { Rng } from '../../src/core/rng.js';
import { Env, type EpisodeTotals } from '../../src/engine/env.js';
import { resolveEnvParams } from '../../src/registry.js';
import type { Algorithm, Policy, Trainer, TrainerState, TrainSetup } from '../../src/train/types.js';

export interface SetupOptions {
  readonly seed?: number;
  readonly gamma?: number;
  readonly rewardHorizon?: number;
  /** `--set` style knob overrides. */
  readonly set?: string[];
}

export function tabularSetup(env: string, split: string, options: SetupOptions = {}): TrainSetup {
  const { spec, params } = resolveEnvParams(env, { split, set: options.set ?? [] });
  return {
    spec,
    params,
    split,
    seed: options.seed ?? 0,
    myopia: { gamma: options.gamma ?? 0.99, rewardHorizon: options.rewardHorizon ?? 0 },
  };
}

/** Create a trainer (checked, as the run loop does) and iterate until `steps` env steps are spent. */
export async function train<C extends object>(
  algo: Algorithm<C>,
  setup: TrainSetup,
  config: Partial<C>,
  steps: number,
  state?: TrainerState,
): Promise<Trainer> {
  const full = { ...algo.defaults, ...config };
  algo.check?.(setup, full);
  const trainer = await algo.create(setup, full, state);
  while (trainer.steps < steps) await trainer.iterate();
  return trainer;
}

/** One episode of `policy` on a fresh `Env` of the setup's split; the actions as letters. */
export function playPolicy(policy: Policy, setup: TrainSetup, seed = 0): EpisodeTotals & { actions: string } {
  const env = new Env(setup.spec, setup.params, setup.split, seed);
  const rng = new Rng(seed);
  let observation = env.reset(seed).observation;
  let actions = '';
  while (!env.finished) {
    const action = policy.act(observation, rng);
    actions += setup.spec.actions[action].letter;
    observation = env.step(action).observation;
  }
  return { ...env.totals(), actions };
}

/** A checkpoint as the run loop would store it: the JSON part through text, the arrays copied. */
export function roundTrip(state: TrainerState): TrainerState {
  const arrays: Record<string, Float32Array | Float64Array | Int32Array | Uint32Array> = {};
  for (const [key, array] of Object.entries(state.arrays)) arrays[key] = array.slice();
  return { json: JSON.parse(JSON.stringify(state.json)), arrays };
}
