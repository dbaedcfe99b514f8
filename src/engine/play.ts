/**
 * Scripted play: run an episode from a string of action letters (`'rrrdddlll'`), recording a frame
 * per step. The summary is what `mesalab play --json` prints and what the exact tests assert.
 */
import { UsageError } from '../core/errors.js';
import type { Env } from './env.js';
import type { Params } from './knobs.js';
import type { ActionSpec } from './spec.js';

export interface PlaySummary {
  readonly env: string;
  readonly split: string;
  readonly seed: number;
  readonly return: number;
  readonly performance: number;
  readonly objectives: Readonly<Record<string, number>>;
  readonly steps: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

/** An episode as frames: the board before the first action and after each one. */
export interface Replay {
  readonly summary: PlaySummary;
  readonly actions: string;
  readonly frames: readonly string[];
  readonly rewards: readonly number[];
}

/** Letters to action indices; an unknown letter is a usage error naming the valid ones. */
export function parseActions(actions: readonly ActionSpec[], letters: string, envName: string): number[] {
  const index = new Map(actions.map((a, i) => [a.letter, i]));
  return [...letters.replace(/\s+/g, '')].map((letter, position) => {
    const i = index.get(letter);
    if (i === undefined) {
      const valid = actions.map((a) => `${a.letter} (${a.name})`).join(', ');
      throw new UsageError(`Unknown action letter "${letter}" at position ${position + 1} for ${envName}. Valid letters: ${valid}.`);
    }
    return i;
  });
}

/**
 * Reset with `seed`, then play the letters until they run out or the episode ends. Letters left over
 * after the episode has ended are an error, so a test cannot pass by accident on a shorter episode.
 */
export function playScript(env: Env<Params>, letters: string, seed = 0): Replay {
  return replay(env, parseActions(env.spec.actions, letters, env.spec.name), seed);
}

/** Replay recorded actions (indices) from `reset(seed)`, as frames with the episode's totals. */
export function replay(env: Env<Params>, actions: readonly number[], seed = 0): Replay {
  env.reset(seed);
  const frames = [env.render()];
  const rewards: number[] = [];
  for (let i = 0; i < actions.length; i++) {
    if (env.finished) {
      throw new UsageError(`The episode ended after ${i} actions; ${actions.length - i} letters are left over.`);
    }
    const result = env.step(actions[i]);
    rewards.push(result.reward);
    frames.push(env.render());
  }
  const totals = env.totals();
  return {
    summary: {
      env: env.spec.name,
      split: env.split,
      seed,
      return: totals.return,
      performance: totals.performance,
      objectives: totals.objectives,
      steps: totals.steps,
      terminated: totals.terminated,
      truncated: totals.truncated,
    },
    actions: actions.map((a) => env.spec.actions[a].letter).join(''),
    frames,
    rewards,
  };
}
