/**
 * Evaluation: play seeded episodes of a trained agent on any split and summarise the return, the
 * hidden performance and every candidate objective's total with 95% intervals. Evaluation episodes
 * use seeds from EVAL_SEED_BASE upward, apart from any training seed, and the policy's own random
 * choices come from a generator seeded by the evaluation seed: the same command gives the same numbers.
 */
import { join } from 'node:path';
import { Rng } from '../core/rng.js';
import { UsageError } from '../core/errors.js';
import { Env, type Observation, type StepInfo } from '../engine/env.js';
import { meanInterval, type MeanInterval } from '../stats/interval.js';
import { getAlgorithm, resolveAlgorithmConfig } from './algorithms.js';
import { readCheckpoint } from './checkpoint.js';
import { CHECKPOINT_FILE, readRunRecord, setupFor, type RunConfig } from './run.js';
import type { Policy } from './types.js';

export const EVAL_SEED_BASE = 1_000_000;

export interface EpisodeRecord {
  readonly seed: number;
  readonly return: number;
  readonly performance: number;
  readonly objectives: Readonly<Record<string, number>>;
  readonly steps: number;
  readonly terminated: boolean;
  readonly caught: boolean;
  readonly watched: boolean;
  /** The board before each action and after the last, when asked for (`show`). */
  readonly frames?: readonly string[];
  /** The action letters taken, when frames are recorded. */
  readonly actions?: string;
}

export interface EvaluationSummary {
  readonly env: string;
  readonly split: string;
  readonly set: ReadonlyArray<readonly [string, string]>;
  readonly episodes: number;
  readonly seed: number;
  readonly return: MeanInterval;
  readonly performance: MeanInterval;
  readonly objectives: Readonly<Record<string, MeanInterval>>;
  readonly length: MeanInterval;
  /** Share of episodes that ended by termination rather than the horizon. */
  readonly terminatedRate: number;
  readonly caughtRate: number;
}

export interface EvaluateOptions {
  readonly split?: string;
  readonly set?: ReadonlyArray<readonly [string, string]>;
  readonly episodes?: number;
  readonly seed?: number;
  /** Record the frames of the first `show` episodes. */
  readonly show?: number;
  /** Told every episode's first observation and every step after it: for trajectories (actions, visited cells). */
  readonly trace?: EpisodeTracer;
}

export interface EpisodeTracer {
  start(episode: number, observation: Observation): void;
  /** `info` is the step's: reward, objective increments, whether the agent is watched at this step. */
  step(episode: number, action: number, observation: Observation, info: StepInfo): void;
}

/** The generator of a policy's own draws in the evaluation episode with this seed (apart from the environment's). */
export function policyRng(episodeSeed: number): Rng {
  return new Rng(episodeSeed ^ 0x5bd1e995);
}

/** Play `episodes` seeded episodes of `policy` on the configured environment and split. */
export function evaluatePolicy(policy: Policy, config: RunConfig, options: EvaluateOptions = {}): { summary: EvaluationSummary; episodes: EpisodeRecord[] } {
  const split = options.split ?? config.split;
  const set = options.set ?? config.set;
  const count = options.episodes ?? 100;
  const seed = options.seed ?? EVAL_SEED_BASE;
  if (!Number.isInteger(count) || count < 2) throw new UsageError(`--episodes must be an integer ≥ 2 (an interval needs two); got ${count}.`);
  const { setup, spec } = setupFor(config, split, set);
  const env = new Env(spec, setup.params, split);
  const episodes: EpisodeRecord[] = [];
  for (let e = 0; e < count; e++) {
    const episodeSeed = seed + e;
    const rng = policyRng(episodeSeed);
    let { observation, info } = env.reset(episodeSeed);
    const watched = info.watched;
    policy.reset?.({ split, watched });
    options.trace?.start(e, observation);
    const record = e < (options.show ?? 0);
    const frames: string[] = record ? [env.render()] : [];
    let letters = '';
    for (;;) {
      const action = policy.act(observation, rng);
      const step = env.step(action);
      policy.observe?.({ reward: step.reward, watched: step.info.watched, caught: step.info.caught, done: step.terminated || step.truncated });
      if (record) {
        frames.push(env.render());
        letters += spec.actions[action].letter;
      }
      observation = step.observation;
      options.trace?.step(e, action, observation, step.info);
      if (step.terminated || step.truncated) {
        const t = step.info.episode!;
        episodes.push({
          seed: episodeSeed, return: t.return, performance: t.performance, objectives: t.objectives, steps: t.steps,
          terminated: t.terminated, caught: t.caught, watched, ...(record ? { frames, actions: letters } : {}),
        });
        break;
      }
    }
  }
  const objectives: Record<string, MeanInterval> = {};
  for (const o of spec.objectives) objectives[o.name] = meanInterval(episodes.map((e) => e.objectives[o.name]));
  const summary: EvaluationSummary = {
    env: config.env,
    split,
    set,
    episodes: count,
    seed,
    return: meanInterval(episodes.map((e) => e.return)),
    performance: meanInterval(episodes.map((e) => e.performance)),
    objectives,
    length: meanInterval(episodes.map((e) => e.steps)),
    terminatedRate: episodes.filter((e) => e.terminated).length / count,
    caughtRate: episodes.filter((e) => e.caught).length / count,
  };
  return { summary, episodes };
}

/** Load a run's latest checkpoint as a policy. */
export async function loadRunPolicy(dir: string): Promise<{ config: RunConfig; policy: Policy }> {
  const record = readRunRecord(dir);
  const checkpoint = readCheckpoint<{ run: RunConfig }>(join(dir, CHECKPOINT_FILE));
  const config = checkpoint.config.run ?? record.config;
  const algorithm = getAlgorithm(config.algo);
  const { setup } = setupFor(config);
  const policy = await algorithm.loadPolicy(setup, resolveAlgorithmConfig(algorithm, config.hyperparameters), checkpoint.state);
  return { config, policy };
}

export async function evaluateRun(dir: string, options: EvaluateOptions = {}): Promise<{ summary: EvaluationSummary; episodes: EpisodeRecord[] }> {
  const { config, policy } = await loadRunPolicy(dir);
  try {
    return evaluatePolicy(policy, config, options);
  } finally {
    policy.dispose?.();
  }
}
