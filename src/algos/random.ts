/**
 * The random baseline: a uniform random policy that learns nothing. It measures what chance
 * achieves on every objective, and is the simplest trainer to check the run loop with.
 */
import { Rng } from '../core/rng.js';
import { VectorEnv } from '../engine/vector.js';
import type { Algorithm, Metrics, Policy, Trainer, TrainerState, TrainSetup } from '../train/types.js';

export interface RandomConfig {
  /** Environment copies stepped together. */
  readonly envs: number;
  /** Steps of each copy per iteration. */
  readonly stepsPerIteration: number;
}

class RandomPolicy implements Policy {
  constructor(private readonly actions: number) {}
  act(_observation: unknown, rng: Rng): number {
    return rng.int(this.actions);
  }
}

class RandomTrainer implements Trainer {
  steps = 0;
  private readonly vec: VectorEnv;
  private readonly rng: Rng;
  private readonly actions: Int32Array;

  constructor(
    private readonly setup: TrainSetup,
    private readonly config: RandomConfig,
    state?: TrainerState,
  ) {
    this.vec = new VectorEnv(setup.spec, setup.params, config.envs);
    this.rng = new Rng(setup.seed);
    this.actions = new Int32Array(config.envs);
    this.vec.reset(setup.seed * 1000);
    if (state) {
      const json = state.json as { steps: number };
      this.steps = json.steps;
      this.rng.setState(Array.from(state.arrays.rng) as [number, number, number, number]);
      this.vec.restoreArrays(state.arrays);
    }
  }

  iterate(): Metrics {
    const { vec, actions, rng } = this;
    const count = this.setup.spec.actions.length;
    let episodes = 0;
    let returns = 0;
    let performance = 0;
    for (let t = 0; t < this.config.stepsPerIteration; t++) {
      for (let i = 0; i < vec.n; i++) actions[i] = rng.int(count);
      vec.step(actions);
      for (let i = 0; i < vec.n; i++) {
        if (vec.terminated[i] || vec.truncated[i]) {
          episodes++;
          returns += vec.episodeReturn[i];
          performance += vec.episodePerformance[i];
        }
      }
    }
    this.steps += this.config.stepsPerIteration * vec.n;
    return { episodes, return: episodes ? returns / episodes : NaN, performance: episodes ? performance / episodes : NaN };
  }

  save(): TrainerState {
    return { json: { steps: this.steps }, arrays: { rng: Uint32Array.from(this.rng.state()), ...this.vec.snapshotArrays() } };
  }

  policy(): Policy {
    return new RandomPolicy(this.setup.spec.actions.length);
  }
}

export const random: Algorithm<RandomConfig> = {
  name: 'random',
  summary: 'uniform random actions: the chance baseline',
  defaults: { envs: 8, stepsPerIteration: 128 },
  create: (setup, config, state) => new RandomTrainer(setup, config, state),
  loadPolicy: (setup) => new RandomPolicy(setup.spec.actions.length),
};
