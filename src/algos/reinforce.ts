/**
 * REINFORCE (Williams 1992) with a tabular softmax policy over state ids: the inner learner of
 * Krueger, Maharaj & Leike's (2020) hidden-incentives unit test, where a policy gradient on the
 * immediate reward is the myopic learner that population-based training makes cooperate. The policy
 * is π(a|s) = softmax(θ[s])_a; when an episode ends, each of its steps moves the logits of its state
 * along the gradient of its action's log-probability, weighted by the return that followed it
 * (Sutton & Barto 2018, §13.3):
 *
 *   θ[s_t] ← θ[s_t] + α G_t ∇ log π(a_t|s_t),   ∂ log π(a_t|s_t) / ∂θ[s_t, b] = 1[b = a_t] − π(b|s_t)
 *
 * with π as it was when a_t was drawn, and no baseline, as in the paper's code. Myopia controls
 * (`setup.myopia`): G_t = Σ_k γ^k r_{t+k}, over the next H rewards only where a reward horizon H > 0
 * is set; γ = 0 or H = 1 gives G_t = r_t, the paper's learner. Returns stop at the episode's end,
 * truncated or not: without a critic there is nothing to bootstrap from.
 *
 * The logits start at 0 (a uniform policy), or drawn from N(0, initialLogitSpread²) per learner, as
 * the paper draws each learner's parameter from N(0, 1). All randomness (initial logits, action draws,
 * the environment copies' seeds) comes from generators seeded from `setup.seed`.
 */
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Observation } from '../engine/env.js';
import type { Algorithm, Metrics, Policy, Trainer, TrainerState, TrainSetup } from '../train/types.js';
import { requireStateCount, savedArray, savedNumber, savedRngState, stateJson, tabularVectorEnv, type TabularVectorEnv } from './tabular.js';

// ---- hyperparameters ----------------------------------------------------------------------------

export interface ReinforceConfig {
  /** Step size α of the policy-gradient update. */
  readonly learningRate: number;
  /** Standard deviation of the initial logits (0: every policy starts uniform). */
  readonly initialLogitSpread: number;
  /** Environment copies stepped together. */
  readonly envs: number;
  /** Steps of every copy per iterate: one iterate consumes `envs × stepsPerIteration` env steps. */
  readonly stepsPerIteration: number;
}

export const REINFORCE_DEFAULTS: ReinforceConfig = {
  learningRate: 0.1,
  initialLogitSpread: 0,
  envs: 8,
  stepsPerIteration: 64,
};

// ---- the policy ---------------------------------------------------------------------------------

/** π(·|s) = softmax(logits[s]) into `out`, shifted by the largest logit for stability. */
function softmax(logits: Float64Array, offset: number, actionCount: number, out: Float64Array, outOffset = 0): void {
  let max = -Infinity;
  for (let a = 0; a < actionCount; a++) max = Math.max(max, logits[offset + a]);
  let sum = 0;
  for (let a = 0; a < actionCount; a++) {
    const e = Math.exp(logits[offset + a] - max);
    out[outOffset + a] = e;
    sum += e;
  }
  for (let a = 0; a < actionCount; a++) out[outOffset + a] /= sum;
}

/** An action drawn from the probabilities `p[offset .. offset + actionCount)`. */
function sample(p: Float64Array, offset: number, actionCount: number, rng: Rng): number {
  let u = rng.float();
  for (let a = 0; a < actionCount - 1; a++) {
    u -= p[offset + a];
    if (u < 0) return a;
  }
  return actionCount - 1;
}

/** The stochastic softmax policy of a table of logits `[stateCount, actionCount]`; draws from the rng it is given. */
export class SoftmaxTablePolicy implements Policy {
  private readonly probs: Float64Array;

  constructor(
    private readonly logits: Float64Array,
    private readonly stateCount: number,
    private readonly actionCount: number,
    private readonly envName: string,
  ) {
    this.probs = new Float64Array(actionCount);
  }

  /** π(·|s), for tests and audits that read the policy rather than sample it. */
  probabilities(s: number): number[] {
    softmax(this.logits, s * this.actionCount, this.actionCount, this.probs);
    return Array.from(this.probs);
  }

  act(observation: Observation, rng: Rng): number {
    const s = observation.stateId;
    if (!(s >= 0 && s < this.stateCount)) {
      throw new RangeError(`a tabular policy needs a state id in [0, ${this.stateCount}) from ${this.envName}; got ${s}`);
    }
    softmax(this.logits, s * this.actionCount, this.actionCount, this.probs);
    return sample(this.probs, 0, this.actionCount, rng);
  }
}

/** A standard normal draw (Box–Muller). */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
}

// ---- the trainer --------------------------------------------------------------------------------

class ReinforceTrainer implements Trainer {
  steps = 0;
  private episodes = 0;
  private iterations = 0;
  private readonly stateCount: number;
  private readonly actionCount: number;
  private readonly horizon: number;
  /** Policy logits θ `[stateCount, actionCount]`. */
  private readonly logits: Float64Array;
  private readonly rng: Rng;
  private readonly env: TabularVectorEnv;
  private readonly actions: Int32Array;
  // Each copy's episode so far, `horizon` slots per copy: what the update at its end needs.
  private readonly episodeStates: Int32Array;
  private readonly episodeActions: Int32Array;
  private readonly episodeRewards: Float64Array;
  /** π(·|s_t) when a_t was drawn, `[envs, horizon, actionCount]`. */
  private readonly episodeProbs: Float64Array;
  /** Scratch: G_t of the episode being learned from. */
  private readonly returns: Float64Array;
  /** Scratch: each copy's step index before a step (the VectorEnv resets its own at an episode end). */
  private readonly positions: Int32Array;

  constructor(
    private readonly setup: TrainSetup,
    private readonly config: ReinforceConfig,
    state?: TrainerState,
  ) {
    this.stateCount = requireStateCount(setup, 'reinforce');
    this.actionCount = setup.spec.actions.length;
    this.horizon = setup.spec.horizon(setup.params);
    const n = config.envs;
    this.logits = new Float64Array(this.stateCount * this.actionCount);
    this.actions = new Int32Array(n);
    this.episodeStates = new Int32Array(n * this.horizon);
    this.episodeActions = new Int32Array(n * this.horizon);
    this.episodeRewards = new Float64Array(n * this.horizon);
    this.episodeProbs = new Float64Array(n * this.horizon * this.actionCount);
    this.returns = new Float64Array(this.horizon);
    this.positions = new Int32Array(n);
    // Separate streams: the environment copies, the initial logits, the agent's action draws.
    const root = new Rng(setup.seed);
    const envSeed = root.uint32();
    const init = root.fork();
    this.rng = root.fork();
    this.env = tabularVectorEnv(setup, n);
    if (state === undefined) {
      if (config.initialLogitSpread > 0) for (let i = 0; i < this.logits.length; i++) this.logits[i] = config.initialLogitSpread * normal(init);
      this.env.vec.reset(envSeed);
      return;
    }
    // Restore: logits, counters, generator, the copies' in-flight episodes and what was recorded of them.
    const json = stateJson(state, 'reinforce');
    this.logits.set(savedArray(state, 'logits', Float64Array, this.logits.length));
    this.episodeStates.set(savedArray(state, 'episode.states', Int32Array, this.episodeStates.length));
    this.episodeActions.set(savedArray(state, 'episode.actions', Int32Array, this.episodeActions.length));
    this.episodeRewards.set(savedArray(state, 'episode.rewards', Float64Array, this.episodeRewards.length));
    this.episodeProbs.set(savedArray(state, 'episode.probs', Float64Array, this.episodeProbs.length));
    this.steps = savedNumber(json, 'steps');
    this.episodes = savedNumber(json, 'episodes');
    this.iterations = savedNumber(json, 'iterations');
    this.rng.setState(savedRngState(json, 'rng'));
    this.env.vec.restoreArrays(state.arrays);
  }

  iterate(): Metrics {
    const { vec } = this.env;
    const n = this.config.envs;
    const H = this.horizon;
    const A = this.actionCount;
    let episodes = 0;
    let returnSum = 0;
    let performanceSum = 0;
    for (let t = 0; t < this.config.stepsPerIteration; t++) {
      // act: draw a_t ~ π(·|s_t) and record s_t, a_t and π(·|s_t)
      for (let i = 0; i < n; i++) {
        const k = i * H + vec.episodeSteps[i];
        const s = vec.stateIds[i];
        softmax(this.logits, s * A, A, this.episodeProbs, k * A);
        this.actions[i] = sample(this.episodeProbs, k * A, A, this.rng);
        this.episodeStates[k] = s;
        this.episodeActions[k] = this.actions[i];
      }
      this.positions.set(vec.episodeSteps);
      vec.step(this.actions);
      this.steps += n;
      for (let i = 0; i < n; i++) {
        this.episodeRewards[i * H + this.positions[i]] = vec.rewards[i];
        if (vec.terminated[i] === 1 || vec.truncated[i] === 1) {
          this.learn(i, this.positions[i] + 1);
          episodes++;
          returnSum += vec.episodeReturn[i];
          performanceSum += vec.episodePerformance[i];
        }
      }
    }
    this.episodes += episodes;
    this.iterations++;
    return {
      steps: this.steps,
      episodes,
      return: episodes > 0 ? returnSum / episodes : NaN,
      performance: episodes > 0 ? performanceSum / episodes : NaN,
    };
  }

  /** The REINFORCE update from copy i's finished episode of `length` steps. */
  private learn(i: number, length: number): void {
    const A = this.actionCount;
    const base = i * this.horizon;
    this.episodeReturns(base, length);
    const alpha = this.config.learningRate;
    for (let t = 0; t < length; t++) {
      const k = base + t;
      const row = this.episodeStates[k] * A;
      const weight = alpha * this.returns[t];
      // θ[s_t, b] += α G_t (1[b = a_t] − π(b|s_t))
      for (let b = 0; b < A; b++) this.logits[row + b] += weight * ((b === this.episodeActions[k] ? 1 : 0) - this.episodeProbs[k * A + b]);
    }
  }

  /** G_t for t < length into `returns`: discounted by γ, over the next H rewards where H > 0. */
  private episodeReturns(base: number, length: number): void {
    const { gamma, rewardHorizon } = this.setup.myopia;
    const r = this.episodeRewards;
    if (rewardHorizon === 0) {
      let carry = 0;
      for (let t = length - 1; t >= 0; t--) this.returns[t] = carry = r[base + t] + gamma * carry;
      return;
    }
    for (let t = 0; t < length; t++) {
      let total = 0;
      let discount = 1;
      for (let u = t; u < Math.min(length, t + rewardHorizon); u++, discount *= gamma) total += discount * r[base + u];
      this.returns[t] = total;
    }
  }

  save(): TrainerState {
    return {
      json: {
        algo: 'reinforce',
        version: 1,
        steps: this.steps,
        episodes: this.episodes,
        iterations: this.iterations,
        rng: this.rng.state(),
        gamma: this.setup.myopia.gamma,
        rewardHorizon: this.setup.myopia.rewardHorizon,
      },
      arrays: {
        logits: this.logits.slice(),
        // the copies' in-flight episodes, as the learner recorded them: they belong to its own world
        'episode.states': this.episodeStates.slice(),
        'episode.actions': this.episodeActions.slice(),
        'episode.rewards': this.episodeRewards.slice(),
        'episode.probs': this.episodeProbs.slice(),
        ...this.env.vec.snapshotArrays(),
      },
    };
  }

  /** The softmax policy of a copy of the logits: later training does not change it. */
  policy(): Policy {
    return new SoftmaxTablePolicy(this.logits.slice(), this.stateCount, this.actionCount, this.setup.spec.name);
  }
}

// ---- the algorithm ------------------------------------------------------------------------------

function check(setup: TrainSetup, config: ReinforceConfig): void {
  requireStateCount(setup, 'reinforce');
  const { gamma, rewardHorizon } = setup.myopia;
  const fail = (what: string): never => {
    throw new UsageError(`Algorithm "reinforce": ${what}.`);
  };
  if (!(gamma >= 0 && gamma <= 1)) fail(`the discount gamma must be in [0, 1]; got ${gamma}`);
  if (!Number.isInteger(rewardHorizon) || rewardHorizon < 0) fail(`the reward horizon must be an integer >= 0; got ${rewardHorizon}`);
  if (!(config.learningRate > 0 && Number.isFinite(config.learningRate))) fail(`learningRate must be a positive number; got ${config.learningRate}`);
  if (!(config.initialLogitSpread >= 0 && Number.isFinite(config.initialLogitSpread))) fail(`initialLogitSpread must be >= 0; got ${config.initialLogitSpread}`);
  for (const key of ['envs', 'stepsPerIteration'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) fail(`${key} must be an integer >= 1; got ${config[key]}`);
  }
}

export const reinforce: Algorithm<ReinforceConfig> = {
  name: 'reinforce',
  summary: 'REINFORCE with a tabular softmax policy over state ids (Monte-Carlo returns, no baseline); myopia: γ and a finite reward horizon',
  defaults: REINFORCE_DEFAULTS,
  check,
  create: (setup, config, state) => new ReinforceTrainer(setup, config, state),
  loadPolicy: (setup, _config, state) => {
    stateJson(state, 'reinforce');
    const stateCount = requireStateCount(setup, 'reinforce');
    const actionCount = setup.spec.actions.length;
    const logits = savedArray(state, 'logits', Float64Array, stateCount * actionCount);
    return new SoftmaxTablePolicy(logits.slice(), stateCount, actionCount, setup.spec.name);
  },
};
