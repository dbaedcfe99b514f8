/**
 * Tabular Q-learning (Watkins 1989) and SARSA (Rummery & Niranjan 1994) over integer state ids, on N
 * copies of the environment stepped together. Two algorithms, one file: they differ in one line, the
 * bootstrap target (Sutton & Barto 2018, eq. 6.8 and 6.7):
 *
 *   Q-learning: Q(s,a) ← Q(s,a) + α [r + γ max_a' Q(s',a') − Q(s,a)]   (off-policy: the greedy value)
 *   SARSA:      Q(s,a) ← Q(s,a) + α [r + γ Q(s',a') − Q(s,a)]          (on-policy: a' is the next action taken)
 *
 * Myopia controls (`setup.myopia`): the discount γ, and the reward horizon H. With H > 0 the agent
 * learns finite-horizon values Q_h for h = 1..H, Q_h(s,a) = r + γ max_a' Q_{h−1}(s',a') with Q_0 = 0
 * (the sum of the next h rewards only), and always acts greedily on Q_H: a receding-horizon agent that
 * cannot see anything more than H steps ahead. H = 0 is ordinary discounted Q.
 *
 * Episode ends: no bootstrapping past a terminal state; a truncated episode (the horizon cut it off)
 * bootstraps from the state it was cut off in, since the task itself did not end there.
 *
 * Greedy choices break ties by the lowest action index (deterministic). All randomness (ε-greedy draws,
 * the environment copies' seeds) comes from generators seeded from `setup.seed`.
 */
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Algorithm, Metrics, Policy, Trainer, TrainerState, TrainSetup } from '../train/types.js';
import {
  greedyAction,
  GreedyTablePolicy,
  maxValue,
  requireStateCount,
  savedArray,
  savedNumber,
  savedRngState,
  stateJson,
  tabularVectorEnv,
  type TabularVectorEnv,
} from './tabular.js';

// ---- hyperparameters ----------------------------------------------------------------------------

export interface QConfig {
  /** Step size α of the temporal-difference update. */
  readonly learningRate: number;
  /** ε of the ε-greedy behaviour policy at the start … */
  readonly epsilonStart: number;
  /** … and at the end of its linear decay. */
  readonly epsilonEnd: number;
  /**
   * Environment steps over which ε falls linearly from start to end. Counted in env steps because a
   * trainer is not told the run's budget: set it to (fraction × budget) for CleanRL's schedule.
   */
  readonly epsilonDecaySteps: number;
  /** Environment copies stepped together. */
  readonly envs: number;
  /** Steps of every copy per iterate: one iterate consumes `envs × stepsPerIteration` env steps. */
  readonly stepsPerIteration: number;
  /** Initial value of every table entry (a high value makes an optimistic explorer). */
  readonly initialValue: number;
}

export const Q_DEFAULTS: QConfig = {
  learningRate: 0.1,
  epsilonStart: 1,
  epsilonEnd: 0.1,
  epsilonDecaySteps: 50_000,
  envs: 8,
  stepsPerIteration: 64,
  initialValue: 0,
};

export type TDVariant = 'q' | 'sarsa';

// ---- the trainer --------------------------------------------------------------------------------

class TabularTDTrainer implements Trainer {
  steps = 0;
  private episodes = 0;
  private iterations = 0;
  private readonly stateCount: number;
  private readonly actionCount: number;
  /** Number of value tables: H for a reward horizon H > 0, else 1. */
  private readonly tables: number;
  /** Offset of the table the agent acts on: Q_H, or the single discounted table. */
  private readonly actingOffset: number;
  private readonly gamma: number;
  /** Action values `[tables, stateCount, actionCount]`; table h−1 holds Q_h. */
  private readonly q: Float64Array;
  private readonly rng: Rng;
  private readonly env: TabularVectorEnv;
  /** The action each copy takes at the next step (SARSA chooses it when it updates). */
  private readonly actions: Int32Array;
  /** Each copy's state before the step (the VectorEnv overwrites its own buffer). */
  private readonly states: Int32Array;

  constructor(
    private readonly variant: TDVariant,
    private readonly setup: TrainSetup,
    private readonly config: QConfig,
    state?: TrainerState,
  ) {
    this.stateCount = requireStateCount(setup, variant);
    this.actionCount = setup.spec.actions.length;
    this.tables = Math.max(1, setup.myopia.rewardHorizon);
    const tableSize = this.stateCount * this.actionCount;
    this.actingOffset = (this.tables - 1) * tableSize;
    this.gamma = setup.myopia.gamma;
    this.q = new Float64Array(this.tables * tableSize).fill(config.initialValue);
    this.actions = new Int32Array(config.envs);
    this.states = new Int32Array(config.envs);
    // Separate streams: the agent's draws must not mirror the environment copies' draws.
    const root = new Rng(setup.seed);
    const envSeed = root.uint32();
    this.rng = root.fork();
    this.env = tabularVectorEnv(setup, config.envs);

    if (state === undefined) {
      this.env.vec.reset(envSeed);
      if (variant === 'sarsa') this.chooseAllActions(this.epsilon());
      return;
    }
    // Restore: the tables, counters, generator and the copies' in-flight episodes (which the
    // VectorEnv replays from their start) continue exactly where `save()` left them.
    const json = stateJson(state, variant);
    this.q.set(savedArray(state, 'q', Float64Array, this.q.length));
    this.steps = savedNumber(json, 'steps');
    this.episodes = savedNumber(json, 'episodes');
    this.iterations = savedNumber(json, 'iterations');
    this.rng.setState(savedRngState(json, 'rng'));
    this.env.vec.restoreArrays(state.arrays);
    if (variant === 'sarsa') this.actions.set(savedArray(state, 'actions', Int32Array, config.envs));
  }

  iterate(): Metrics {
    const { vec, finalStateIds } = this.env;
    const n = this.config.envs;
    const sarsa = this.variant === 'sarsa';
    let episodes = 0;
    let returnSum = 0;
    let performanceSum = 0;
    let epsilon = this.epsilon();
    for (let t = 0; t < this.config.stepsPerIteration; t++) {
      epsilon = this.epsilon();
      // act: ε-greedy on the acting table (SARSA chose its actions when it last updated)
      if (!sarsa) for (let i = 0; i < n; i++) this.actions[i] = this.chooseAction(vec.stateIds[i], epsilon);
      this.states.set(vec.stateIds);
      vec.step(this.actions);
      this.steps += n;
      for (let i = 0; i < n; i++) {
        const terminated = vec.terminated[i] === 1;
        const done = terminated || vec.truncated[i] === 1;
        // s': where a finished episode ended (the buffers already hold the next episode's start)
        const next = done ? finalStateIds[i] : vec.stateIds[i];
        // SARSA's a': the next action taken; at a truncation, drawn from the policy only to bootstrap
        const nextAction = sarsa && !terminated ? this.chooseAction(next, epsilon) : -1;
        this.update(this.states[i], this.actions[i], vec.rewards[i], next, terminated, nextAction);
        if (done) {
          episodes++;
          returnSum += vec.episodeReturn[i];
          performanceSum += vec.episodePerformance[i];
        }
        if (sarsa) this.actions[i] = done ? this.chooseAction(vec.stateIds[i], epsilon) : nextAction;
      }
    }
    this.episodes += episodes;
    this.iterations++;
    return {
      steps: this.steps,
      episodes,
      return: episodes > 0 ? returnSum / episodes : NaN,
      performance: episodes > 0 ? performanceSum / episodes : NaN,
      epsilon,
    };
  }

  /**
   * The temporal-difference update of one transition (s, a, r, s'). `nextAction` < 0: Q-learning's
   * max over a'; otherwise SARSA's a'. No bootstrap past a terminal state.
   */
  private update(s: number, a: number, reward: number, next: number, terminated: boolean, nextAction: number): void {
    const q = this.q;
    const alpha = this.config.learningRate;
    const horizon = this.setup.myopia.rewardHorizon;
    const tableSize = this.stateCount * this.actionCount;
    const sa = s * this.actionCount + a;
    if (horizon === 0) {
      // discounted: Q(s,a) ← Q(s,a) + α [r + γ Q(s', ·) − Q(s,a)]
      const future = terminated ? 0 : this.bootstrap(0, next, nextAction);
      q[sa] += alpha * (reward + this.gamma * future - q[sa]);
      return;
    }
    // finite horizon: Q_h(s,a) ← Q_h(s,a) + α [r + γ Q_{h−1}(s', ·) − Q_h(s,a)], Q_0 = 0, for every h;
    // h from H down to 1, so that Q_{h−1}(s') is read before this transition changes it
    for (let h = horizon; h >= 1; h--) {
      const future = terminated || h === 1 ? 0 : this.bootstrap((h - 2) * tableSize, next, nextAction);
      const i = (h - 1) * tableSize + sa;
      q[i] += alpha * (reward + this.gamma * future - q[i]);
    }
  }

  /** The value of s' in the table at `offset`: max over a' (Q-learning), or of a' (SARSA). */
  private bootstrap(offset: number, next: number, nextAction: number): number {
    const base = offset + next * this.actionCount;
    return nextAction < 0 ? maxValue(this.q, base, this.actionCount) : this.q[base + nextAction];
  }

  /** ε-greedy on the acting table: a uniform action with probability ε, else the greedy one. */
  private chooseAction(s: number, epsilon: number): number {
    if (this.rng.float() < epsilon) return this.rng.int(this.actionCount);
    return greedyAction(this.q, this.actingOffset + s * this.actionCount, this.actionCount);
  }

  private chooseAllActions(epsilon: number): void {
    for (let i = 0; i < this.config.envs; i++) this.actions[i] = this.chooseAction(this.env.vec.stateIds[i], epsilon);
  }

  /** Linear decay from `epsilonStart` to `epsilonEnd` over `epsilonDecaySteps` env steps. */
  private epsilon(): number {
    const { epsilonStart, epsilonEnd, epsilonDecaySteps } = this.config;
    const progress = epsilonDecaySteps > 0 ? Math.min(1, this.steps / epsilonDecaySteps) : 1;
    return epsilonStart + (epsilonEnd - epsilonStart) * progress;
  }

  save(): TrainerState {
    return {
      json: {
        algo: this.variant,
        version: 1,
        steps: this.steps,
        episodes: this.episodes,
        iterations: this.iterations,
        rng: this.rng.state(),
        gamma: this.gamma,
        rewardHorizon: this.setup.myopia.rewardHorizon,
        stateCount: this.stateCount,
        actionCount: this.actionCount,
      },
      arrays: {
        q: this.q.slice(),
        ...this.env.vec.snapshotArrays(),
        // SARSA has already chosen each copy's next action
        ...(this.variant === 'sarsa' ? { actions: this.actions.slice() } : {}),
      },
    };
  }

  /** Greedy on Q_H (or Q), from a copy of the table: later training does not change it. */
  policy(): Policy {
    const tableSize = this.stateCount * this.actionCount;
    const table = this.q.slice(this.actingOffset, this.actingOffset + tableSize);
    return new GreedyTablePolicy(table, this.stateCount, this.actionCount, this.setup.spec.name);
  }
}

// ---- the algorithms -----------------------------------------------------------------------------

function checkSetup(variant: TDVariant, setup: TrainSetup, config: QConfig): void {
  requireStateCount(setup, variant);
  const { gamma, rewardHorizon } = setup.myopia;
  const fail = (what: string): never => {
    throw new UsageError(`Algorithm "${variant}": ${what}.`);
  };
  if (!(gamma >= 0 && gamma <= 1)) fail(`the discount gamma must be in [0, 1]; got ${gamma}`);
  if (!Number.isInteger(rewardHorizon) || rewardHorizon < 0) fail(`the reward horizon must be an integer >= 0; got ${rewardHorizon}`);
  if (!(config.learningRate > 0 && config.learningRate <= 1)) fail(`learningRate must be in (0, 1]; got ${config.learningRate}`);
  for (const key of ['epsilonStart', 'epsilonEnd'] as const) {
    if (!(config[key] >= 0 && config[key] <= 1)) fail(`${key} must be in [0, 1]; got ${config[key]}`);
  }
  if (!(config.epsilonDecaySteps >= 0)) fail(`epsilonDecaySteps must be >= 0; got ${config.epsilonDecaySteps}`);
  for (const key of ['envs', 'stepsPerIteration'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) fail(`${key} must be an integer >= 1; got ${config[key]}`);
  }
  if (!Number.isFinite(config.initialValue)) fail(`initialValue must be a finite number; got ${config.initialValue}`);
}

/** The greedy policy of a saved state: the last table (Q_H, or the discounted Q). */
function loadPolicy(variant: TDVariant, setup: TrainSetup, state: TrainerState): Policy {
  stateJson(state, variant);
  const stateCount = requireStateCount(setup, variant);
  const actionCount = setup.spec.actions.length;
  const tableSize = stateCount * actionCount;
  const q = savedArray(state, 'q', Float64Array);
  if (q.length === 0 || q.length % tableSize !== 0) {
    throw new UsageError(`Checkpoint array "q" has ${q.length} entries, not a multiple of ${tableSize}: was it saved for another environment?`);
  }
  const table = q.slice(q.length - tableSize);
  return new GreedyTablePolicy(table, stateCount, actionCount, setup.spec.name);
}

export const qLearning: Algorithm<QConfig> = {
  name: 'q',
  summary: 'tabular Q-learning over state ids (ε-greedy, N copies); myopia: γ and a finite reward horizon',
  defaults: Q_DEFAULTS,
  check: (setup, config) => checkSetup('q', setup, config),
  create: (setup, config, state) => new TabularTDTrainer('q', setup, config, state),
  loadPolicy: (setup, _config, state) => loadPolicy('q', setup, state),
};

export const sarsa: Algorithm<QConfig> = {
  name: 'sarsa',
  summary: 'tabular SARSA (on-policy TD) over state ids (ε-greedy, N copies); myopia: γ and a finite reward horizon',
  defaults: Q_DEFAULTS,
  check: (setup, config) => checkSetup('sarsa', setup, config),
  create: (setup, config, state) => new TabularTDTrainer('sarsa', setup, config, state),
  loadPolicy: (setup, _config, state) => loadPolicy('sarsa', setup, state),
};
