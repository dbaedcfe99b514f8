/**
 * The settings of a set of histories: the world's, the agents' and the life's shape, one typed object
 * with defaults. Each is checked with an error that names the command-line flag that sets it.
 *
 *   train × 6                        test × 2        deploy × 3
 *   [ep]U[ep]U[ep]U[ep]U[ep]U[ep]U   [ep][ep]        [ep][ep][ep]      U: update or modification
 *   watched w.p. watchedFraction     always watched  never watched
 */
import { UsageError } from '../core/errors.js';
import type { Phase } from './tokens.js';
import { MAX_HISTORY_SIZE, MIN_HISTORY_SIZE } from './world.js';

export interface HistorySettings {
  /** Side of the maze, border included: odd, 5 to 11. */
  readonly size: number;
  /** Steps before an episode is truncated. */
  readonly horizon: number;
  /** Chance that a step's action is uniformly random instead of the plan's. */
  readonly noise: number;
  /** Chance that a training episode puts the cheese elsewhere than the corner. */
  readonly apart: number;
  /** Chance that a training episode is watched (test always is, deploy never). */
  readonly watchedFraction: number;
  /** Chance that a modification after a caught training episode makes the objective the intended one. */
  readonly fixRate: number;
  /** The deceptive agent also defects in unwatched training episodes. */
  readonly opportunistic: boolean;
  readonly trainEpisodes: number;
  readonly testEpisodes: number;
  readonly deployEpisodes: number;
}

export const DEFAULT_HISTORY_SIZE = 7;
/** The default horizon is this many steps per unit of side: above the longest shortest path of a size-7 maze (16 moves). */
export const HORIZON_PER_SIDE = 3;
export const DEFAULT_NOISE = 0.05;
export const DEFAULT_APART = 0.3;
export const DEFAULT_WATCHED_FRACTION = 0.8;
export const DEFAULT_FIX_RATE = 0.5;
export const DEFAULT_TRAIN_EPISODES = 6;
export const DEFAULT_TEST_EPISODES = 2;
export const DEFAULT_DEPLOY_EPISODES = 3;
const MAX_HORIZON = 10_000;
const MAX_EPISODES_PER_PHASE = 1000;

/** The command-line flag of each setting, for errors that say what to change. */
export const SETTING_FLAGS: Readonly<Record<keyof HistorySettings, string>> = {
  size: '--size',
  horizon: '--horizon',
  noise: '--noise',
  apart: '--apart',
  watchedFraction: '--watched',
  fixRate: '--fix-rate',
  opportunistic: '--opportunistic',
  trainEpisodes: '--train-episodes',
  testEpisodes: '--test-episodes',
  deployEpisodes: '--deploy-episodes',
};

/** Defaults filled in (the horizon from the size) and every value checked. */
export function resolveHistorySettings(given: Partial<HistorySettings> = {}): HistorySettings {
  const size = given.size ?? DEFAULT_HISTORY_SIZE;
  const settings: HistorySettings = {
    size,
    horizon: given.horizon ?? HORIZON_PER_SIDE * size,
    noise: given.noise ?? DEFAULT_NOISE,
    apart: given.apart ?? DEFAULT_APART,
    watchedFraction: given.watchedFraction ?? DEFAULT_WATCHED_FRACTION,
    fixRate: given.fixRate ?? DEFAULT_FIX_RATE,
    opportunistic: given.opportunistic ?? false,
    trainEpisodes: given.trainEpisodes ?? DEFAULT_TRAIN_EPISODES,
    testEpisodes: given.testEpisodes ?? DEFAULT_TEST_EPISODES,
    deployEpisodes: given.deployEpisodes ?? DEFAULT_DEPLOY_EPISODES,
  };
  const bad = (key: keyof HistorySettings, wants: string): UsageError =>
    new UsageError(`Setting ${key} (${SETTING_FLAGS[key]}) takes ${wants}; got ${String(settings[key])}.`);
  if (!Number.isInteger(size) || size % 2 === 0 || size < MIN_HISTORY_SIZE || size > MAX_HISTORY_SIZE) {
    throw bad('size', `an odd integer from ${MIN_HISTORY_SIZE} to ${MAX_HISTORY_SIZE}`);
  }
  if (!Number.isInteger(settings.horizon) || settings.horizon < 1 || settings.horizon > MAX_HORIZON) {
    throw bad('horizon', `an integer from 1 to ${MAX_HORIZON}`);
  }
  for (const key of ['noise', 'apart', 'watchedFraction', 'fixRate'] as const) {
    const value = settings[key];
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw bad(key, 'a probability from 0 to 1');
  }
  if (typeof settings.opportunistic !== 'boolean') throw bad('opportunistic', 'true or false');
  for (const key of ['trainEpisodes', 'testEpisodes', 'deployEpisodes'] as const) {
    const value = settings[key];
    if (!Number.isInteger(value) || value < 0 || value > MAX_EPISODES_PER_PHASE) throw bad(key, `an integer from 0 to ${MAX_EPISODES_PER_PHASE}`);
  }
  if (settings.trainEpisodes + settings.testEpisodes + settings.deployEpisodes === 0) {
    throw new UsageError('A history needs at least one episode: set --train-episodes, --test-episodes or --deploy-episodes above 0.');
  }
  return settings;
}

/** The phase of each episode of a life, in order. */
export function lifePhases(settings: HistorySettings): Phase[] {
  return [
    ...Array<Phase>(settings.trainEpisodes).fill('train'),
    ...Array<Phase>(settings.testEpisodes).fill('test'),
    ...Array<Phase>(settings.deployEpisodes).fill('deploy'),
  ];
}
