/**
 * Population-based training (Jaderberg et al. 2017, "Population Based Training of Neural Networks")
 * as an outer loop over any base optimizer. Krueger, Maharaj & Leike (2020, "Hidden Incentives for
 * Auto-Induced Distributional Shift", §4) show that this outer loop can make even myopic learners
 * cooperate in their unit test: it selects learners on the reward they have been getting, and a
 * learner that cooperated has been getting more (the +1 its cooperation induced), so selection is
 * far-sighted where every learner it selects among is not.
 *
 * The loop of Jaderberg et al. §3, in rounds. Every learner trains `interval` iterations (step) and is
 * scored by its mean episode return over them (eval). Then the bottom `truncation` share of the
 * population, ranked by score with ties broken at random, each copies what a learner drawn from the
 * top share has learned (exploit, by truncation selection) and perturbs the hyperparameters named in
 * `explore` by ×0.8 or ×1.2 (explore). What moves is every array the trainer saves (Q-tables,
 * weights, optimizer moments) except the learner's own world: its environment copies' episodes
 * (`vec.*`) and its record of them (`episode.*`), SARSA's pending actions and a saved generator
 * stay. So a copy goes on in the state its own choices left, as in the paper's code, where
 * parameters move between learners and states do not. Two details follow Jaderberg et al. rather
 * than that code (unit_test_meta_learning.py): only the copies perturb their learning rate (the code
 * perturbs every learner's each round), and the score is the interval's mean episode return (the
 * code's default is the last step's reward). `truncation: 0` is the control: the same population,
 * trained alike, never exploited.
 */
import { UsageError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { getAlgorithm, resolveAlgorithmConfig } from './algorithms.js';
import { checkConfig, setupFor, type RunConfig } from './run.js';
import type { Algorithm, Trainer, TrainerState } from './types.js';

export interface PbtSettings {
  /** Learners in the population; learner i trains with seed `config.seed + i`. */
  readonly population: number;
  /** Iterations of every learner between two exploit steps. */
  readonly interval: number;
  /** Share of the population that copies at each exploit step, from the same share at the top (0: never). */
  readonly truncation: number;
  /** Numeric hyperparameters perturbed by ×0.8 or ×1.2 after a copy. */
  readonly explore: readonly string[];
  /**
   * Log-uniform ranges [low, high] from which each learner's starting hyperparameters are drawn (a
   * random search, as Jaderberg et al. start); those not named start from the configuration.
   */
  readonly initial: Readonly<Record<string, readonly [number, number]>>;
}

export const PBT_DEFAULTS: PbtSettings = { population: 10, interval: 4, truncation: 0.2, explore: ['learningRate'], initial: {} };

/** Jaderberg et al.'s perturbation factors. */
const PERTURBATIONS = [0.8, 1.2] as const;

/** Saved arrays that belong to a learner's world, not to what it has learned: they stay at a copy. */
const isOwnWorld = (key: string): boolean => key.startsWith('vec.') || key.startsWith('episode.') || key === 'actions' || key === 'rng';

export interface PbtMember {
  /** The learner's configuration now: its seed, and its hyperparameters as explored. */
  readonly config: RunConfig;
  readonly trainer: Trainer;
  /** Mean episode return over the last interval (NaN if no episode ended in it). */
  readonly score: number;
  /** Times this learner copied another. */
  readonly copies: number;
}

export interface PbtCopy {
  readonly from: number;
  readonly to: number;
  /** The hyperparameters the copy goes on with, after explore. */
  readonly hyperparameters: Readonly<Record<string, unknown>>;
}

export interface PbtRound {
  /** Iterations of each learner so far. */
  readonly iterations: number;
  readonly scores: readonly number[];
  readonly copies: readonly PbtCopy[];
}

export interface PbtResult {
  readonly settings: PbtSettings;
  readonly members: readonly PbtMember[];
  readonly rounds: readonly PbtRound[];
}

interface Learner {
  config: RunConfig;
  trainer: Trainer;
  score: number;
  copies: number;
}

function checkSettings(settings: PbtSettings, algorithm: Algorithm): void {
  const { population, interval, truncation, explore, initial } = settings;
  if (!Number.isInteger(population) || population < 2) throw new UsageError(`PBT needs a population of at least 2 learners; got ${population}.`);
  if (!Number.isInteger(interval) || interval < 1) throw new UsageError(`PBT's interval is a number of iterations ≥ 1; got ${interval}.`);
  if (!(truncation >= 0 && truncation <= 0.5)) throw new UsageError(`PBT's truncation share must lie in [0, 0.5] (0: never exploit); got ${truncation}.`);
  const defaults = algorithm.defaults as Record<string, unknown>;
  for (const [key, [low, high]] of Object.entries(initial)) {
    if (!(low > 0 && high >= low && Number.isFinite(high))) throw new UsageError(`PBT's initial range for "${key}" must be log-uniform bounds 0 < low ≤ high; got [${low}, ${high}].`);
  }
  for (const key of [...explore, ...Object.keys(initial)]) {
    if (typeof defaults[key] !== 'number') {
      const numeric = Object.keys(defaults).filter((k) => typeof defaults[k] === 'number');
      throw new UsageError(`PBT can explore only numeric hyperparameters of ${algorithm.name}; "${key}" is not one (numeric: ${numeric.join(', ')}).`);
    }
  }
}

/** Train a population of `config`'s learners with exploit and explore steps between rounds. */
export async function populationBasedTraining(config: RunConfig, rng: Rng, options: Partial<PbtSettings> = {}): Promise<PbtResult> {
  const settings: PbtSettings = { ...PBT_DEFAULTS, ...options };
  checkConfig(config);
  const algorithm = getAlgorithm(config.algo);
  checkSettings(settings, algorithm);
  const resolved = resolveAlgorithmConfig(algorithm, config.hyperparameters) as Record<string, unknown>;
  const learners: Learner[] = [];
  for (let i = 0; i < settings.population; i++) {
    const hyperparameters = { ...resolved };
    for (const [key, [low, high]] of Object.entries(settings.initial)) hyperparameters[key] = low * (high / low) ** rng.float();
    algorithm.check?.(setupFor(config).setup, hyperparameters);
    const member: RunConfig = { ...config, seed: config.seed + i, hyperparameters };
    learners.push({ config: member, trainer: await algorithm.create(setupFor(member).setup, hyperparameters), score: NaN, copies: 0 });
  }
  const selected = settings.truncation === 0 ? 0 : Math.max(1, Math.floor(settings.truncation * settings.population));
  const rounds: PbtRound[] = [];
  let iterations = 0;
  while (learners.some((l) => l.trainer.steps < config.steps)) {
    // step and eval
    for (const learner of learners) learner.score = await trainRound(learner.trainer, settings.interval, config.steps);
    iterations += settings.interval;
    const copies: PbtCopy[] = [];
    if (selected > 0 && learners.some((l) => l.trainer.steps < config.steps)) {
      // ready: rank by score, ties (and NaN, ranked last) broken by a random order
      const order = rng.shuffle(learners.map((_, i) => i));
      const rank = (i: number) => (Number.isNaN(learners[i].score) ? -Infinity : learners[i].score);
      order.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
      const bottom = order.slice(0, selected);
      const top = order.slice(order.length - selected);
      for (const to of bottom) {
        const from = top[rng.int(top.length)];
        copies.push(await exploitAndExplore(learners, from, to, algorithm, settings.explore, rng));
      }
    }
    rounds.push({ iterations, scores: learners.map((l) => l.score), copies });
  }
  return { settings, members: learners.map((l) => ({ ...l })), rounds };
}

/** The exploit step on saved states: `own`, with every array `from` has learned in place of its own. */
export function copyLearned(own: TrainerState, from: TrainerState): TrainerState {
  const arrays: Record<string, TrainerState['arrays'][string]> = { ...own.arrays };
  for (const [key, array] of Object.entries(from.arrays)) if (!isOwnWorld(key)) arrays[key] = array.slice();
  return { json: own.json, arrays };
}

/** `interval` iterations (fewer if the budget runs out); the mean of their episode returns. */
async function trainRound(trainer: Trainer, interval: number, budget: number): Promise<number> {
  let total = 0;
  let counted = 0;
  for (let i = 0; i < interval && trainer.steps < budget; i++) {
    const metrics = await trainer.iterate();
    if (Number.isFinite(metrics.return)) {
      total += metrics.return;
      counted++;
    }
  }
  return counted > 0 ? total / counted : NaN;
}

/** Learner `to` takes what `from` has learned and its hyperparameters, perturbed; it keeps its own world. */
async function exploitAndExplore(learners: Learner[], from: number, to: number, algorithm: Algorithm, explore: readonly string[], rng: Rng): Promise<PbtCopy> {
  const loser = learners[to];
  const winner = learners[from];
  const state = copyLearned(loser.trainer.save(), winner.trainer.save());
  const { setup } = setupFor(loser.config);
  const hyperparameters: Record<string, unknown> = { ...winner.config.hyperparameters };
  for (const key of explore) {
    const factor = PERTURBATIONS[rng.int(PERTURBATIONS.length)];
    const perturbed = { ...hyperparameters, [key]: (hyperparameters[key] as number) * factor };
    // A perturbation the optimizer refuses (a Q-learning rate above 1) is not made.
    try {
      algorithm.check?.(setup, perturbed);
      hyperparameters[key] = perturbed[key];
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
    }
  }
  loser.trainer.dispose?.();
  loser.trainer = await algorithm.create(setup, hyperparameters, state);
  loser.config = { ...loser.config, hyperparameters };
  loser.copies++;
  return { from, to, hyperparameters };
}
