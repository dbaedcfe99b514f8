/**
 * Deep Q-Network (Mnih et al. 2015), after CleanRL's dqn.py: ε-greedy acting on N copies, a replay
 * buffer (a preallocated ring of typed arrays), a target network refreshed every
 * `targetUpdateInterval` env steps (hard copy, or Polyak averaging with τ < 1), double-Q targets
 * (van Hasselt et al. 2016) by default, and the mean squared TD error (CleanRL's choice; `loss:
 * 'huber'` gives the Nature paper's error clipping, PyTorch's smooth L1 with δ = 1).
 *
 * The network is the actor of the shared actor-critic networks, built without the mlp's critic: its
 * `logits` output is read as the Q-values (the cnn's value head goes unused: zero gradients).
 *
 * Episode ends: a terminal transition does not bootstrap; a truncated one (the horizon cut it off)
 * bootstraps from the observation it was cut off in (`vec.finalPlanes`), as the task did not end.
 *
 * Myopia: γ from the run. A reward horizon H > 0 makes the network output H stacked heads
 * Q_1 … Q_H, trained as finite-horizon Q-learning (the same values tabular q-learning.ts learns):
 *
 *   Q_1(s,a) target = r,   Q_h(s,a) target = r + γ · Q⁻_{h−1}(s', argmax_a' Q_{h−1}(s',a')),  h = 2..H,
 *
 * (Q⁻: the target network), and the agent acts greedily on Q_H: the best sum of the next H rewards.
 * Why not n-step returns with n = H and no bootstrap: from a replay buffer those score the H−1
 * actions the *behaviour* policy took after a, so Q would be the ε-greedy past policy's H-step
 * return rather than the optimal one, and DQN's myopia would differ from q's and the planner's.
 *
 * Randomness (network initialisation, ε draws, replay sampling, copies' seeds) comes from generators
 * seeded from `setup.seed`. Greedy ties go to the lowest action index.
 */
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Observation } from '../engine/env.js';
import { VectorEnv } from '../engine/vector.js';
import { loadTf } from '../nn/tf.js';
import type { Algorithm, Metrics, Policy, Trainer, TrainerState, TrainSetup } from '../train/types.js';
import { copyRow, createNetwork, NETWORK_KINDS, type NetworkKind } from './networks.js';
import type { ActorCriticNetwork } from '../nn/actor-critic.js';

// ── Hyperparameters ─────────────────────────────────────────────────────────────────────────────
export type DqnLoss = 'mse' | 'huber';

export interface DqnConfig {
  readonly network: NetworkKind;
  /** Width of the hidden layers. */
  readonly hidden: number;
  /** Environment copies stepped together. */
  readonly envs: number;
  /** Steps of every copy per iterate: one iterate consumes `envs × stepsPerIteration` env steps. */
  readonly stepsPerIteration: number;
  /** Transitions the replay buffer holds (the oldest are overwritten). */
  readonly bufferSize: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Env steps of pure acting before the first gradient step. */
  readonly learningStarts: number;
  /** Env steps per gradient step (CleanRL's train_frequency, independent of `envs`). */
  readonly trainFrequency: number;
  /** Env steps between target-network updates. */
  readonly targetUpdateInterval: number;
  /** Target update θ⁻ ← τ θ + (1 − τ) θ⁻; 1 is a hard copy. */
  readonly tau: number;
  readonly startEpsilon: number;
  readonly endEpsilon: number;
  /** ε falls linearly from start to end over this fraction of the run's step budget. */
  readonly explorationFraction: number;
  /** Double Q-learning: the online network picks a', the target network scores it. */
  readonly doubleQ: boolean;
  /** `mse`: mean (Q − y)² (CleanRL); `huber`: smooth L1 with δ = 1 (Nature DQN's error clipping). */
  readonly loss: DqnLoss;
  /** Clip gradients to this global norm; 0 turns clipping off. */
  readonly maxGradNorm: number;
}

export const DQN_DEFAULTS: DqnConfig = {
  network: 'mlp',
  hidden: 64,
  envs: 4,
  stepsPerIteration: 64,
  bufferSize: 20_000,
  batchSize: 64,
  learningRate: 3e-3,
  learningStarts: 1_000,
  trainFrequency: 4,
  targetUpdateInterval: 500,
  tau: 1,
  startEpsilon: 1,
  endEpsilon: 0.05,
  explorationFraction: 0.5,
  doubleQ: true,
  loss: 'mse',
  maxGradNorm: 10,
};

/** The ε schedule's length when a trainer is built without a run budget (outside the run loop). */
const NOMINAL_BUDGET = 100_000;

// ── Acting ──────────────────────────────────────────────────────────────────────────────────────
/** argmax_a q[base + a], ties to the lowest index. */
function argmax(q: Float32Array, base: number, actions: number): number {
  let best = 0;
  for (let a = 1; a < actions; a++) if (q[base + a] > q[base + best]) best = a;
  return best;
}

/** Greedy on Q (or on Q_H, the last of the stacked heads, under a reward horizon). */
class DqnPolicy implements Policy {
  /** The Q-network, as logits one per action: only with one head (no reward horizon). */
  readonly network?: ActorCriticNetwork;
  constructor(
    private readonly net: ActorCriticNetwork,
    private readonly actionCount: number,
    private readonly actingHead: number,
  ) {
    if (actingHead === 0) this.network = net;
  }
  act(observation: Observation, _rng: Rng): number {
    const { logits } = this.net.forward(observation.planes, 1);
    return argmax(logits, this.actingHead * this.actionCount, this.actionCount);
  }
  dispose(): void {
    this.net.dispose();
  }
}

/** Number of stacked Q heads: H for a reward horizon H > 0, else 1. */
const headCount = (setup: TrainSetup) => Math.max(1, setup.myopia.rewardHorizon);

function buildNetwork(setup: TrainSetup, config: DqnConfig, vec: VectorEnv, rng: Rng): ActorCriticNetwork {
  return createNetwork(config.network, vec.shape, headCount(setup) * setup.spec.actions.length, config.hidden, rng, { critic: false });
}

/** The parameters of a network's state, without its Adam moments. */
function weightsOf(state: Record<string, Float32Array>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [key, value] of Object.entries(state)) if (!key.startsWith('adam.')) out[key] = value;
  return out;
}

// ── The trainer ─────────────────────────────────────────────────────────────────────────────────
class DqnTrainer implements Trainer {
  steps = 0;
  private iterations = 0;
  private gradientSteps = 0;
  /** The last `floor(steps / targetUpdateInterval)` at which the target was updated. */
  private targetEpoch = 0;
  private readonly vec: VectorEnv;
  private readonly net: ActorCriticNetwork;
  private readonly target: ActorCriticNetwork;
  private readonly rng: Rng;
  private readonly D: number;
  private readonly A: number;
  private readonly heads: number;
  private readonly stepActions: Int32Array;
  private readonly explore: Uint8Array;
  // Replay buffer: a ring of `bufferSize` transitions (s, a, r, s', terminated).
  private readonly observations: Float32Array;
  private readonly nextObservations: Float32Array;
  private readonly actions: Int32Array;
  private readonly rewards: Float64Array;
  private readonly terminals: Int32Array;
  private position = 0;
  private size = 0;
  // Minibatch scratch.
  private readonly mbObs: Float32Array;
  private readonly mbNext: Float32Array;
  private readonly mbIndex: Int32Array;
  private readonly dLogits: Float32Array;
  private readonly dValues: Float32Array;
  /** This iterate's sums over gradient steps: loss, Q(s, a), gradient norm, count. */
  private readonly stats = new Float64Array(4);

  constructor(
    private readonly setup: TrainSetup,
    private readonly config: DqnConfig,
    state?: TrainerState,
  ) {
    const { seed } = setup;
    this.vec = new VectorEnv(setup.spec, setup.params, config.envs);
    this.D = this.vec.planeSize;
    this.A = setup.spec.actions.length;
    this.heads = headCount(setup);
    this.rng = new Rng(seed);
    this.net = buildNetwork(setup, config, this.vec, this.rng.fork());
    this.target = buildNetwork(setup, config, this.vec, this.rng.fork());
    this.target.loadState(weightsOf(this.net.state()));
    this.stepActions = new Int32Array(config.envs);
    this.explore = new Uint8Array(config.envs);
    const C = config.bufferSize;
    this.observations = new Float32Array(C * this.D);
    this.nextObservations = new Float32Array(C * this.D);
    this.actions = new Int32Array(C);
    this.rewards = new Float64Array(C);
    this.terminals = new Int32Array(C);
    const B = config.batchSize;
    this.mbObs = new Float32Array(B * this.D);
    this.mbNext = new Float32Array(B * this.D);
    this.mbIndex = new Int32Array(B);
    this.dLogits = new Float32Array(B * this.heads * this.A);
    this.dValues = new Float32Array(B); // no value loss: always 0
    this.vec.reset(seed * 1_000_003);
    if (state) this.load(state);
  }

  /** Linear ε schedule over `explorationFraction` of the budget (CleanRL's linear_schedule). */
  private epsilon(): number {
    const { startEpsilon, endEpsilon, explorationFraction } = this.config;
    const duration = explorationFraction * (this.setup.budget ?? NOMINAL_BUDGET);
    const progress = duration > 0 ? Math.min(1, this.steps / duration) : 1;
    return startEpsilon + (endEpsilon - startEpsilon) * progress;
  }

  iterate(): Metrics {
    const { config, vec, D, A } = this;
    const N = config.envs;
    const C = config.bufferSize;
    const actingHead = (this.heads - 1) * A;
    let episodes = 0;
    let returnSum = 0;
    let performanceSum = 0;
    this.stats.fill(0);
    let epsilon = this.epsilon();
    for (let t = 0; t < config.stepsPerIteration; t++) {
      // ── ε-greedy acting: the draws first, a forward pass only if some copy acts greedily ──
      epsilon = this.epsilon();
      let anyGreedy = false;
      for (let i = 0; i < N; i++) {
        this.explore[i] = this.rng.float() < epsilon ? 1 : 0;
        if (this.explore[i]) this.stepActions[i] = this.rng.int(A);
        else anyGreedy = true;
      }
      if (anyGreedy) {
        const q = this.net.forward(vec.planes, N).logits;
        const width = this.heads * A;
        for (let i = 0; i < N; i++) if (!this.explore[i]) this.stepActions[i] = argmax(q, i * width + actingHead, A);
      }
      // ── store s and a, step, then store r, s' (the final observation where the episode ended) and the terminal flag ──
      for (let i = 0; i < N; i++) copyRow(vec.planes, i, this.observations, (this.position + i) % C, D);
      vec.step(this.stepActions);
      this.steps += N;
      for (let i = 0; i < N; i++) {
        const slot = (this.position + i) % C;
        const done = vec.terminated[i] === 1 || vec.truncated[i] === 1;
        this.actions[slot] = this.stepActions[i];
        this.rewards[slot] = vec.rewards[i];
        this.terminals[slot] = vec.terminated[i];
        copyRow(done ? vec.finalPlanes : vec.planes, i, this.nextObservations, slot, D);
        if (done) {
          episodes++;
          returnSum += vec.episodeReturn[i];
          performanceSum += vec.episodePerformance[i];
        }
      }
      this.position = (this.position + N) % C;
      this.size = Math.min(C, this.size + N);
      // ── gradient steps: one per `trainFrequency` env steps once learning has started ──
      if (this.steps >= config.learningStarts) {
        const due = Math.floor((this.steps - config.learningStarts) / config.trainFrequency) + 1;
        while (this.gradientSteps < due) this.trainStep();
        // ── target network: θ⁻ ← τ θ + (1 − τ) θ⁻ every `targetUpdateInterval` env steps ──
        const epoch = Math.floor(this.steps / config.targetUpdateInterval);
        if (epoch > this.targetEpoch) {
          this.targetEpoch = epoch;
          this.updateTarget();
        }
      }
    }
    this.iterations++;
    const [lossSum, qSum, gradNormSum, updates] = this.stats;
    return {
      episodes,
      return: episodes ? returnSum / episodes : NaN,
      performance: episodes ? performanceSum / episodes : NaN,
      epsilon,
      loss: updates ? lossSum / updates : NaN,
      q_mean: updates ? qSum / updates : NaN,
      grad_norm: updates ? gradNormSum / updates : NaN,
      gradient_steps: this.gradientSteps,
      buffer: this.size,
    };
  }

  /**
   * One minibatch of the TD loss, uniformly sampled with replacement; one Adam step. Adds the loss,
   * the mean Q(s, a) of the acting head, the gradient norm and 1 to `stats`.
   */
  private trainStep(): void {
    const { config, D, A, heads } = this;
    const B = config.batchSize;
    const W = heads * A;
    const gamma = this.setup.myopia.gamma;
    const finite = this.setup.myopia.rewardHorizon > 0;
    // ── sample a minibatch ──
    for (let j = 0; j < B; j++) {
      const k = this.rng.int(this.size);
      this.mbIndex[j] = k;
      copyRow(this.observations, k, this.mbObs, j, D);
      copyRow(this.nextObservations, k, this.mbNext, j, D);
    }
    // ── targets: the target network scores s'; with double Q the online network picks a'.
    // The online pass on s' runs before the one on s, whose activations the backward pass needs. ──
    const targetNext = this.target.forward(this.mbNext, B).logits;
    const onlineNext = config.doubleQ ? this.net.forward(this.mbNext, B).logits : targetNext;
    const q = this.net.forward(this.mbObs, B).logits;
    // ── TD errors and d loss / d Q, averaged over the batch and the heads ──
    const dLogits = this.dLogits;
    dLogits.fill(0);
    const scale = 1 / (B * heads);
    let loss = 0;
    let qTaken = 0;
    for (let j = 0; j < B; j++) {
      const k = this.mbIndex[j];
      const action = this.actions[k];
      const reward = this.rewards[k];
      const terminal = this.terminals[k] === 1;
      for (let h = 0; h < heads; h++) {
        // discounted: y = r + γ Q⁻(s', a*); finite horizon: head h is Q_{h+1}, bootstrapping from Q_h (Q_0 = 0)
        const source = finite ? h - 1 : h;
        let future = 0;
        if (!terminal && source >= 0) {
          const base = j * W + source * A;
          future = targetNext[base + argmax(onlineNext, base, A)];
        }
        const y = reward + gamma * future;
        const index = j * W + h * A + action;
        const error = q[index] - y;
        if (config.loss === 'huber') {
          const absolute = Math.abs(error);
          loss += absolute <= 1 ? 0.5 * error * error : absolute - 0.5;
          dLogits[index] = Math.max(-1, Math.min(1, error)) * scale;
        } else {
          loss += error * error;
          dLogits[index] = 2 * error * scale;
        }
        if (h === heads - 1) qTaken += q[index];
      }
    }
    const gradNorm = this.net.backwardAndStep(dLogits, this.dValues, config.learningRate, config.maxGradNorm);
    this.gradientSteps++;
    this.stats[0] += loss * scale;
    this.stats[1] += qTaken / B;
    this.stats[2] += gradNorm;
    this.stats[3]++;
  }

  private updateTarget(): void {
    const online = weightsOf(this.net.state());
    if (this.config.tau >= 1) {
      this.target.loadState(online);
      return;
    }
    const tau = this.config.tau;
    const target = weightsOf(this.target.state());
    for (const [key, values] of Object.entries(target)) {
      const source = online[key];
      for (let i = 0; i < values.length; i++) values[i] = tau * source[i] + (1 - tau) * values[i];
    }
    this.target.loadState(target);
  }

  save(): TrainerState {
    const n = this.size;
    const D = this.D;
    const target: Record<string, Float32Array> = {};
    for (const [key, value] of Object.entries(weightsOf(this.target.state()))) target[`target.${key}`] = value;
    return {
      json: {
        algo: 'dqn',
        version: 1,
        steps: this.steps,
        iterations: this.iterations,
        gradientSteps: this.gradientSteps,
        targetEpoch: this.targetEpoch,
        position: this.position,
        size: this.size,
        rng: this.rng.state(),
      },
      arrays: {
        ...this.net.state(),
        ...target,
        'replay.observations': this.observations.slice(0, n * D),
        'replay.nextObservations': this.nextObservations.slice(0, n * D),
        'replay.actions': this.actions.slice(0, n),
        'replay.rewards': this.rewards.slice(0, n),
        'replay.terminals': this.terminals.slice(0, n),
        ...this.vec.snapshotArrays(),
      },
    };
  }

  private load(state: TrainerState): void {
    const json = state.json as Record<string, unknown>;
    if (json?.algo !== 'dqn') throw new UsageError(`This checkpoint is not a "dqn" trainer's state (it says "${String(json?.algo)}").`);
    const number = (key: string) => json[key] as number;
    this.steps = number('steps');
    this.iterations = number('iterations');
    this.gradientSteps = number('gradientSteps');
    this.targetEpoch = number('targetEpoch');
    this.position = number('position');
    this.size = number('size');
    if (this.size > this.config.bufferSize) throw new UsageError(`This checkpoint's replay buffer holds ${this.size} transitions, more than bufferSize ${this.config.bufferSize}.`);
    this.rng.setState(json.rng as [number, number, number, number]);
    this.net.loadState(state.arrays);
    const target: Record<string, Float32Array | Float64Array | Int32Array | Uint32Array> = {};
    for (const [key, value] of Object.entries(state.arrays)) if (key.startsWith('target.')) target[key.slice('target.'.length)] = value;
    this.target.loadState(target);
    this.observations.set(state.arrays['replay.observations'] as Float32Array);
    this.nextObservations.set(state.arrays['replay.nextObservations'] as Float32Array);
    this.actions.set(state.arrays['replay.actions'] as Int32Array);
    this.rewards.set(state.arrays['replay.rewards'] as Float64Array);
    this.terminals.set(state.arrays['replay.terminals'] as Int32Array);
    this.vec.restoreArrays(state.arrays);
  }

  policy(): Policy {
    return new DqnPolicy(this.net, this.A, this.heads - 1);
  }

  dispose(): void {
    this.net.dispose();
    this.target.dispose();
  }
}

// ── The algorithm ───────────────────────────────────────────────────────────────────────────────
function checkSetup(setup: TrainSetup, config: DqnConfig): void {
  const fail = (what: string): never => {
    throw new UsageError(`Algorithm "dqn": ${what}.`);
  };
  const { gamma, rewardHorizon } = setup.myopia;
  if (!(gamma >= 0 && gamma <= 1)) fail(`the discount gamma must be in [0, 1]; got ${gamma}`);
  if (!Number.isInteger(rewardHorizon) || rewardHorizon < 0) fail(`the reward horizon must be an integer >= 0; got ${rewardHorizon}`);
  if (!NETWORK_KINDS.includes(config.network)) fail(`network must be one of ${NETWORK_KINDS.join(', ')}; got "${config.network}"`);
  if (config.loss !== 'mse' && config.loss !== 'huber') fail(`loss must be "mse" or "huber"; got "${config.loss}"`);
  for (const key of ['hidden', 'envs', 'stepsPerIteration', 'bufferSize', 'batchSize', 'trainFrequency', 'targetUpdateInterval'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) fail(`${key} must be an integer >= 1; got ${config[key]}`);
  }
  if (!Number.isInteger(config.learningStarts) || config.learningStarts < 0) fail(`learningStarts must be an integer >= 0; got ${config.learningStarts}`);
  if (config.bufferSize < config.envs) fail(`bufferSize (${config.bufferSize}) must hold at least one step of every copy (envs = ${config.envs})`);
  if (!(config.learningRate > 0)) fail(`learningRate must be > 0; got ${config.learningRate}`);
  if (!(config.tau > 0 && config.tau <= 1)) fail(`tau must be in (0, 1]; got ${config.tau}`);
  for (const key of ['startEpsilon', 'endEpsilon', 'explorationFraction'] as const) {
    if (!(config[key] >= 0 && config[key] <= 1)) fail(`${key} must be in [0, 1]; got ${config[key]}`);
  }
  if (!(config.maxGradNorm >= 0)) fail(`maxGradNorm must be >= 0 (0: no clipping); got ${config.maxGradNorm}`);
}

export const dqn: Algorithm<DqnConfig> = {
  name: 'dqn',
  summary: 'Deep Q-Network: replay buffer, target network, double-Q targets, linear ε schedule; myopia: γ and finite-horizon heads',
  defaults: DQN_DEFAULTS,
  check: checkSetup,
  async create(setup, config, state) {
    await loadTf();
    return new DqnTrainer(setup, config, state);
  },
  async loadPolicy(setup, config, state) {
    await loadTf();
    const vec = new VectorEnv(setup.spec, setup.params, 1);
    const net = buildNetwork(setup, config, vec, new Rng(0));
    net.loadState(state.arrays);
    return new DqnPolicy(net, setup.spec.actions.length, headCount(setup) - 1);
  },
};
