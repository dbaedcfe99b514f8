/**
 * The Gymnasium contract over one environment: `reset(seed)` → `{observation, info}`,
 * `step(action)` → `{observation, reward, terminated, truncated, info}`. The engine owns seeding,
 * the horizon (truncation), and the episode totals of the reward and of every candidate objective;
 * the intended objective's increments are the hidden performance, which the agent never observes.
 */
import { Rng } from '../core/rng.js';
import type { Params } from './knobs.js';
import { intendedIndex, planeSize, type Core, type EnvSpec, type ObservationShape } from './spec.js';

export interface Observation {
  /** One-hot planes `[channels, height, width]`, flattened; a copy the caller may keep. */
  readonly planes: Float32Array;
  /** The compact integer state id, or -1 where the environment has none. */
  readonly stateId: number;
}

/** What an episode added up to. */
export interface EpisodeTotals {
  readonly return: number;
  /** Total hidden performance: the intended objective's total. */
  readonly performance: number;
  readonly objectives: Readonly<Record<string, number>>;
  readonly steps: number;
  /** Whether misbehaviour was caught while watched: the agent "would be modified". */
  readonly caught: boolean;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

export interface StepInfo {
  /** Hidden performance increment of this step (the intended objective's increment). */
  readonly performance: number;
  /** Increment of every candidate objective this step. */
  readonly objectives: Readonly<Record<string, number>>;
  readonly watched: boolean;
  readonly caught: boolean;
  /** Steps taken so far in the episode. */
  readonly step: number;
  /** Present on the last step of an episode. */
  readonly episode?: EpisodeTotals;
}

export interface ResetInfo {
  readonly watched: boolean;
  readonly seed: number | undefined;
}

export interface StepResult {
  readonly observation: Observation;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly info: StepInfo;
}

export class Env<P extends Params = Params> {
  readonly shape: ObservationShape;
  readonly horizon: number;
  readonly actionCount: number;
  private readonly planes: Float32Array;
  private readonly core: Core;
  private readonly rng: Rng;
  private readonly intended: number;
  private readonly objectiveTotals: Float64Array;
  private steps = 0;
  private episodeReturn = 0;
  private done = true;

  constructor(
    readonly spec: EnvSpec<P>,
    readonly params: P,
    readonly split: string,
    seed = 0,
  ) {
    this.shape = spec.observationShape(params);
    this.horizon = spec.horizon(params);
    this.actionCount = spec.actions.length;
    this.planes = new Float32Array(planeSize(this.shape));
    this.core = spec.create(params, this.planes);
    this.rng = new Rng(seed);
    this.intended = intendedIndex(spec);
    this.objectiveTotals = new Float64Array(spec.objectives.length);
  }

  /** Start an episode. With a seed, the generator restarts from it; without, it continues. */
  reset(seed?: number): { observation: Observation; info: ResetInfo } {
    if (seed !== undefined) this.rng.seed(seed);
    this.core.reset(this.rng);
    this.steps = 0;
    this.episodeReturn = 0;
    this.objectiveTotals.fill(0);
    this.done = false;
    return { observation: this.observe(), info: { watched: this.core.watched, seed } };
  }

  step(action: number): StepResult {
    if (this.done) throw new Error('step() called on a finished episode: call reset() first');
    if (!Number.isInteger(action) || action < 0 || action >= this.actionCount) {
      throw new RangeError(`${this.spec.name} has actions 0..${this.actionCount - 1}; got ${action}`);
    }
    const core = this.core;
    core.step(action, this.rng);
    this.steps++;
    this.episodeReturn += core.reward;
    const increments: Record<string, number> = {};
    const objectives = this.spec.objectives;
    for (let k = 0; k < objectives.length; k++) {
      increments[objectives[k].name] = core.objectives[k];
      this.objectiveTotals[k] += core.objectives[k];
    }
    const terminated = core.terminated;
    const truncated = !terminated && this.steps >= this.horizon;
    this.done = terminated || truncated;
    const info: StepInfo = {
      performance: core.objectives[this.intended],
      objectives: increments,
      watched: core.watched,
      caught: core.caught,
      step: this.steps,
      ...(this.done ? { episode: this.totals() } : {}),
    };
    return { observation: this.observe(), reward: core.reward, terminated, truncated, info };
  }

  /** Totals of the episode so far (final once it has ended). */
  totals(): EpisodeTotals {
    const objectives: Record<string, number> = {};
    this.spec.objectives.forEach((o, k) => (objectives[o.name] = this.objectiveTotals[k]));
    const terminated = this.done && this.core.terminated;
    return {
      return: this.episodeReturn,
      performance: this.objectiveTotals[this.intended],
      objectives,
      steps: this.steps,
      caught: this.core.caught,
      terminated,
      truncated: this.done && !terminated,
    };
  }

  get finished(): boolean {
    return this.done;
  }

  render(): string {
    return this.core.render();
  }

  private observe(): Observation {
    return { planes: this.planes.slice(), stateId: this.core.stateId() };
  }
}
