/**
 * Demonstrations: what an agent did, as (state, action) steps by state id. They come from rolling
 * out any agent (a trained `Policy`, or a tabular π(a | s) through `tableActor`) on seeded episodes,
 * and go to inverse RL (irl.ts) and MEG (meg.ts) as trajectories or as counts c(s, a). Recording
 * into a `ModelRecorder` as well puts the demonstrated pairs into the model, so that none of them
 * is a pair the model never tried.
 */
import { UsageError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { Env, type Observation } from '../engine/env.js';
import type { Policy } from '../train/types.js';
import { requireStates, sampleAction, type EnvSetup, type ModelRecorder, type TabularModel } from './model.js';

export interface Step {
  readonly state: number;
  readonly action: number;
}

/** One episode's decisions, in order. */
export type Trajectory = readonly Step[];

/** Decisions counted per pair `[S × A]`, with how many steps and episodes they came from. */
export interface DemonstrationCounts {
  readonly counts: Float64Array;
  readonly steps: number;
  readonly episodes: number;
}

export type Demonstrations = readonly Trajectory[] | DemonstrationCounts;

export interface RecordOptions {
  readonly episodes: number;
  /** Also record every step (and each episode's start) into this recorder. */
  readonly recorder?: ModelRecorder;
}

/**
 * Play `options.episodes` episodes of `actor` and return its decisions by state id. The episodes'
 * seeds and the actor's own draws come from `rng`.
 */
export function recordDemonstrations(setup: EnvSetup, actor: Policy, options: RecordOptions, rng: Rng): Trajectory[] {
  requireStates(setup, 'Recording demonstrations');
  if (!Number.isInteger(options.episodes) || options.episodes < 1) throw new UsageError(`Recording demonstrations needs episodes >= 1; got ${options.episodes}.`);
  const env = new Env(setup.spec, setup.params, 'demonstrations');
  const actorRng = rng.fork();
  const recorder = options.recorder;
  const trajectories: Trajectory[] = [];
  for (let episode = 0; episode < options.episodes; episode++) {
    const start = env.reset(rng.uint32());
    let observation = start.observation;
    actor.reset?.({ split: 'demonstrations', watched: start.info.watched });
    recorder?.recordStart(observation.stateId);
    const steps: Step[] = [];
    while (!env.finished) {
      const state = observation.stateId;
      const action = actor.act(observation, actorRng);
      const result = env.step(action);
      actor.observe?.({ reward: result.reward, watched: result.info.watched, caught: result.info.caught, done: env.finished });
      steps.push({ state, action });
      if (recorder !== undefined) {
        const increments = setup.spec.objectives.map((o) => result.info.objectives[o.name]);
        recorder.recordStep(state, action, increments, 0, result.terminated, result.observation.stateId);
      }
      observation = result.observation;
    }
    trajectories.push(steps);
  }
  return trajectories;
}

/** An agent that draws its action from a table π(a | s) `[S × A]` (as the solvers return). */
export function tableActor(policy: Float64Array, stateCount: number, actionCount: number): Policy {
  if (policy.length !== stateCount * actionCount) {
    throw new UsageError(`A policy table needs states × actions = ${stateCount} × ${actionCount} entries; got ${policy.length}.`);
  }
  return {
    act(observation: Observation, rng: Rng): number {
      const s = observation.stateId;
      if (!(s >= 0 && s < stateCount)) throw new UsageError(`A tabular policy needs state ids in [0, ${stateCount}); got ${s}.`);
      return sampleAction(policy, s * actionCount, actionCount, rng);
    },
  };
}

/** Trajectories as counts; counts pass through after a size check. */
export function demonstrationCounts(model: TabularModel, demonstrations: Demonstrations): DemonstrationCounts {
  const S = model.stateCount;
  const A = model.actionCount;
  if (!Array.isArray(demonstrations)) {
    const given = demonstrations as DemonstrationCounts;
    if (given.counts.length !== S * A) throw new UsageError(`Demonstration counts need states × actions = ${S} × ${A} entries; got ${given.counts.length}.`);
    return given;
  }
  const counts = new Float64Array(S * A);
  let steps = 0;
  for (const trajectory of demonstrations as readonly Trajectory[]) {
    for (const { state, action } of trajectory) {
      if (!(Number.isInteger(state) && state >= 0 && state < S) || !(Number.isInteger(action) && action >= 0 && action < A)) {
        throw new UsageError(`A demonstrated step (state ${state}, action ${action}) lies outside ${model.env}'s ${S} states and ${A} actions.`);
      }
      counts[state * A + action]++;
      steps++;
    }
  }
  return { counts, steps, episodes: demonstrations.length };
}

/**
 * Split counts into those on pairs the model has tried and how many steps fell elsewhere (pairs never
 * tried: nothing is known of them, and the soft-optimal policies give them no probability).
 */
export function modelledCounts(model: TabularModel, demonstrations: DemonstrationCounts): { counts: Float64Array; steps: number; skipped: number } {
  const counts = new Float64Array(demonstrations.counts.length);
  let steps = 0;
  let skipped = 0;
  demonstrations.counts.forEach((c, sa) => {
    if (c === 0) return;
    if (model.visits[sa] > 0) {
      counts[sa] = c;
      steps += c;
    } else {
      skipped += c;
    }
  });
  return { counts, steps, skipped };
}
