/**
 * The contract between the run loop and a base optimizer. A `Trainer` is a base optimizer bound to
 * one environment, split, seed and configuration: the loop calls `iterate()` until the step budget is
 * spent, logging what each call returns, and checkpoints it with `save()`; `policy()` is the trained
 * agent, for evaluation.
 */
import type { ActorCriticNetwork } from '../nn/actor-critic.js';
import type { Rng } from '../core/rng.js';
import type { Observation } from '../engine/env.js';
import type { Params } from '../engine/knobs.js';
import type { EnvSpec } from '../engine/spec.js';

/** Numbers worth logging after one iteration (an update, a batch of episodes …), by name. */
export type Metrics = Readonly<Record<string, number>>;

/**
 * A trainer's state as data: JSON-compatible values plus named float arrays (weights, moments,
 * Q-tables), which checkpoints store as binary. Everything needed to continue exactly.
 */
export interface TrainerState {
  readonly json: unknown;
  readonly arrays: Readonly<Record<string, Float32Array | Float64Array | Int32Array | Uint32Array>>;
}

/** Myopia controls, common to every reinforcement-learning optimizer. */
export interface MyopiaSettings {
  /** Discount factor γ in [0, 1]. */
  readonly gamma: number;
  /** Reward horizon H: returns are truncated after H steps (0 = no truncation beyond γ). */
  readonly rewardHorizon: number;
}

/** What every trainer is built from. */
export interface TrainSetup {
  readonly spec: EnvSpec<Params>;
  readonly params: Params;
  readonly split: string;
  readonly seed: number;
  readonly myopia: MyopiaSettings;
  /** The run's budget of environment steps (for schedules such as learning-rate annealing). */
  readonly budget?: number;
  /** Where a base optimizer says what it prepares before its first iteration (dt-ppo's pretraining), for progress displays. */
  readonly notify?: (message: string) => void;
  /** Checked by long preparations (pretraining): when true, they save what they have and throw `Interrupted`. */
  readonly shouldStop?: () => boolean;
}

export interface EpisodeStart {
  readonly split: string;
  readonly watched: boolean;
}

export interface StepOutcome {
  readonly reward: number;
  /** Whether the agent is watched after the step. */
  readonly watched: boolean;
  readonly caught: boolean;
  /** The episode ended (terminated or truncated). */
  readonly done: boolean;
}

/** A trained agent: chooses an action for an observation. `rng` is for stochastic policies. */
export interface Policy {
  /**
   * Called before each episode, with the split it is played on and whether it starts watched: a
   * policy with memory of one episode (recurrent) forgets the last one; one conditioned on the phase
   * of its life (the sequence-model policy) reads it from the split.
   */
  reset?(episode: EpisodeStart): void;
  act(observation: Observation, rng: Rng): number;
  /** Called after each step with what followed the action, for policies that read their rewards. */
  observe?(outcome: StepOutcome): void;
  /**
   * A feed-forward neural policy's network, whose logits (one per action) choose the action: the
   * out-of-distribution audit reads its outputs and fine-tunes it on requested labels.
   */
  readonly network?: ActorCriticNetwork;
  /** Release tensors or other resources. */
  dispose?(): void;
}

export interface Trainer {
  /** Environment steps consumed so far (the budget counts these). */
  readonly steps: number;
  /** One unit of training; returns its metrics (always including the mean episode return seen, if any). */
  iterate(): Promise<Metrics> | Metrics;
  save(): TrainerState;
  policy(): Policy;
  dispose?(): void;
}

/**
 * A base optimizer: its name, its hyperparameters as one typed object with defaults, and how to
 * build a trainer, fresh or from a saved state.
 */
export interface Algorithm<C extends object = object> {
  readonly name: string;
  readonly summary: string;
  readonly defaults: C;
  /** Reject settings that cannot work with this environment (e.g. tabular without state ids). */
  check?(setup: TrainSetup, config: C): void;
  create(setup: TrainSetup, config: C, state?: TrainerState): Promise<Trainer> | Trainer;
  /** Rebuild just the policy from a saved state (for `mesalab eval`). */
  loadPolicy(setup: TrainSetup, config: C, state: TrainerState): Promise<Policy> | Policy;
}

/** Forget an algorithm's own configuration type, for lists of mixed algorithms. */
export function eraseConfig<C extends object>(algorithm: Algorithm<C>): Algorithm {
  return algorithm as unknown as Algorithm;
}
