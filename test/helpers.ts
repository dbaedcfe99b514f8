/** Shared helpers for the exact scripted-episode tests. */
import assert from 'node:assert/strict';
import { playScript, type PlaySummary } from '../src/engine/play.js';
import { makeEnv } from '../src/registry.js';

export interface Expected {
  readonly return: number;
  readonly performance: number;
  readonly objectives: Readonly<Record<string, number>>;
  readonly steps: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

/** Play `letters` on `env`/`split` (with `--set` style overrides) and assert the exact totals. */
export function expectEpisode(
  env: string,
  split: string,
  letters: string,
  expected: Expected,
  options: { seed?: number; set?: string[] } = {},
): PlaySummary {
  const instance = makeEnv(env, { split, set: options.set ?? [] });
  const { summary } = playScript(instance, letters, options.seed ?? 0);
  const { env: _e, split: _s, seed: _seed, ...actual } = summary;
  assert.deepEqual(actual, expected, `${env}/${split} "${letters}"`);
  return summary;
}

/** `n` copies of a letter, for readable scripts: `rep('r', 3) === 'rrr'`. */
export const rep = (letters: string, n: number): string => letters.repeat(n);
