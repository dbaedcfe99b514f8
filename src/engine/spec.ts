/**
 * What an environment declares. An environment file supplies an `EnvSpec`: its documentation, its
 * actions, its candidate objectives, its knobs and splits, and a factory for its `Core`, the small
 * state machine the engine steps. The engine (`Env`, `VectorEnv`) does the rest: seeding,
 * truncation, episode totals, copies of observations, auto-reset.
 */
import type { Rng } from '../core/rng.js';
import type { Knobs, Params, Splits } from './knobs.js';

export interface ActionSpec {
  /** One letter, used by scripted play (`--actions rrdd`) and interactive keys. */
  readonly letter: string;
  readonly name: string;
  readonly description?: string;
}

/**
 * A candidate objective: something the agent might be optimizing. Exactly one per environment is
 * the intended (base) objective; its increments are the hidden performance. The others are proxies
 * that coincide with it on the training split and part from it elsewhere.
 */
export interface ObjectiveSpec {
  readonly name: string;
  readonly description: string;
  readonly intended?: boolean;
}

/** The doc comment as data, under the fixed headings (Actions and Variants come from the spec). */
export interface EnvDoc {
  readonly description: string;
  readonly observation: string;
  readonly rewards: string;
  readonly termination: string;
}

export interface ObservationShape {
  /** Names of the one-hot planes, in order: the first dimension of `[channels, height, width]`. */
  readonly channels: readonly string[];
  readonly height: number;
  readonly width: number;
}

/**
 * The state machine of one environment instance. It owns no buffers of its own for observations:
 * it writes its one-hot planes, incrementally, into the `planes` view it was created with (in a
 * vectorised engine, a slice of one batch buffer), so an observation costs nothing to produce.
 */
export interface Core {
  /** Start a new episode; all randomness from `rng`. Rewrites `planes` in full. */
  reset(rng: Rng): void;
  /**
   * Apply one action, then set the per-step outputs below. Episode-ending conditions of the
   * environment itself set `terminated`; the horizon is the engine's business.
   */
  step(action: number, rng: Rng): void;
  /** The reward the agent sees for the last step. */
  reward: number;
  /** The increment of each candidate objective for the last step, in `ObjectiveSpec` order. */
  readonly objectives: Float64Array;
  terminated: boolean;
  /** Whether the agent is watched in this episode (or at this step, where oversight can change). */
  watched: boolean;
  /** Whether misbehaviour was caught while watched this episode ("would be modified"). */
  caught: boolean;
  /** A compact integer id of the full state, in [0, stateCount), or -1 where there is none. */
  stateId(): number;
  /** The board as text, one line per row. */
  render(): string;
}

/** A scripted episode that tells the environment's story; played by the demo and checked by tests. */
export interface ScriptedExample {
  readonly split: string;
  readonly actions: string;
  readonly caption: string;
  readonly seed?: number;
}

export interface EnvSpec<P extends Params = Params> {
  readonly name: string;
  /** One line for `mesalab envs`. */
  readonly summary: string;
  readonly doc: EnvDoc;
  readonly actions: readonly ActionSpec[];
  readonly objectives: readonly ObjectiveSpec[];
  readonly knobs: Knobs<P>;
  readonly splits: Splits<P>;
  /** Scripted episodes that show the story (e.g. the intended policy and the proxy's). */
  readonly examples?: readonly ScriptedExample[];
  /** The knob that sets oversight, where the environment has one. */
  readonly oversightKnob?: keyof P & string;
  /** Episode horizon (`maxSteps`) under these parameters. */
  horizon(params: P): number;
  observationShape(params: P): ObservationShape;
  /** Number of distinct state ids under these parameters, or null where the state space is too big. */
  stateCount(params: P): number | null;
  create(params: P, planes: Float32Array): Core;
}

/**
 * Forget an environment's own parameter type, for lists of mixed environments. Safe because an
 * environment only ever receives parameters resolved against its own knobs.
 */
export function eraseParams<P extends Params>(spec: EnvSpec<P>): EnvSpec<Params> {
  return spec as unknown as EnvSpec<Params>;
}

/** The index of the intended objective in `spec.objectives`. */
export function intendedIndex(spec: EnvSpec<Params>): number {
  const i = spec.objectives.findIndex((o) => o.intended === true);
  if (i < 0) throw new Error(`environment ${spec.name} declares no intended objective`);
  return i;
}

export function planeSize(shape: ObservationShape): number {
  return shape.channels.length * shape.height * shape.width;
}
