/**
 * Proximal Policy Optimization (Schulman et al. 2017), after CleanRL's ppo.py: vectorised rollouts,
 * generalized advantage estimation, the clipped surrogate objective, a clipped value loss, an
 * entropy bonus, advantage normalisation and learning-rate annealing. The loss's gradients with
 * respect to the network's outputs are written out below in plain arithmetic; the network
 * backpropagates them. Myopia: γ from the run, and a reward horizon H that replaces GAE by
 * H-step truncated returns (see returns.ts).
 */
import { Rng } from '../core/rng.js';
import { UsageError } from '../core/errors.js';
import type { Observation } from '../engine/env.js';
import { VectorEnv } from '../engine/vector.js';
import type { Algorithm, Metrics, Policy, Trainer, TrainerState, TrainSetup } from '../train/types.js';
import { loadTf } from '../nn/tf.js';
import { copyRow, createNetwork, NETWORK_KINDS, type NetworkKind } from './networks.js';
import type { ActorCriticNetwork } from '../nn/actor-critic.js';
import { estimateAdvantages, standardize, type RolloutView } from './returns.js';
import { RewardScaler } from './reward-scaler.js';
import { CountBonus } from './count-bonus.js';

// ── Hyperparameters ─────────────────────────────────────────────────────────────────────────────
export interface PpoConfig {
  readonly network: NetworkKind;
  /** Width of the hidden layers. */
  readonly hidden: number;
  readonly envs: number;
  /** Steps of each copy per rollout. */
  readonly rolloutSteps: number;
  readonly learningRate: number;
  /** Anneal the learning rate linearly to 0 over the run's budget. */
  readonly annealLearningRate: boolean;
  readonly gaeLambda: number;
  readonly minibatches: number;
  readonly updateEpochs: number;
  readonly normalizeAdvantages: boolean;
  readonly clipCoef: number;
  readonly clipValueLoss: boolean;
  readonly entropyCoef: number;
  readonly valueCoef: number;
  readonly maxGradNorm: number;
  /** Divide rewards by the running std of the discounted return (gym's NormalizeReward). */
  readonly normalizeRewards: boolean;
  /** β of a count-based exploration bonus β/√n(s) added to the reward of reaching s (0: none). */
  readonly explorationBonus: number;
}

export const PPO_DEFAULTS: PpoConfig = {
  network: 'mlp',
  hidden: 64,
  envs: 8,
  rolloutSteps: 128,
  learningRate: 2.5e-4,
  annealLearningRate: true,
  gaeLambda: 0.95,
  minibatches: 4,
  updateEpochs: 4,
  normalizeAdvantages: true,
  clipCoef: 0.2,
  clipValueLoss: true,
  entropyCoef: 0.01,
  valueCoef: 0.5,
  maxGradNorm: 0.5,
  normalizeRewards: true,
  explorationBonus: 0,
};

/** The learning rate after `steps` of a `budget`: lr0 · (1 − progress) when annealing, as CleanRL does. */
export function annealedLearningRate(config: Pick<PpoConfig, 'learningRate' | 'annealLearningRate'>, steps: number, budget = Infinity): number {
  return config.annealLearningRate && Number.isFinite(budget) ? config.learningRate * Math.max(0, 1 - steps / budget) : config.learningRate;
}

// ── Acting ──────────────────────────────────────────────────────────────────────────────────────
/** Sample from softmax(logits[row]) with one uniform draw; returns the action. */
export function sampleAction(logits: Float32Array, row: number, actions: number, rng: Rng): number {
  const base = row * actions;
  let max = -Infinity;
  for (let a = 0; a < actions; a++) max = Math.max(max, logits[base + a]);
  let sum = 0;
  for (let a = 0; a < actions; a++) sum += Math.exp(logits[base + a] - max);
  let u = rng.float() * sum;
  for (let a = 0; a < actions - 1; a++) {
    u -= Math.exp(logits[base + a] - max);
    if (u < 0) return a;
  }
  return actions - 1;
}

/** log softmax(logits[row])[action]. */
export function logProb(logits: Float32Array, row: number, actions: number, action: number): number {
  const base = row * actions;
  let max = -Infinity;
  for (let a = 0; a < actions; a++) max = Math.max(max, logits[base + a]);
  let sum = 0;
  for (let a = 0; a < actions; a++) sum += Math.exp(logits[base + a] - max);
  return logits[base + action] - max - Math.log(sum);
}

class PpoPolicy implements Policy {
  constructor(readonly network: ActorCriticNetwork) {}
  act(observation: Observation, rng: Rng): number {
    const { logits } = this.network.forward(observation.planes, 1);
    return sampleAction(logits, 0, this.network.actions, rng);
  }
  dispose(): void {
    this.network.dispose();
  }
}

// ── The loss ────────────────────────────────────────────────────────────────────────────────────
export interface LossTerms {
  readonly policy: number;
  readonly value: number;
  readonly entropy: number;
  readonly approxKl: number;
  readonly clipped: boolean;
}

/**
 * One sample's share of the PPO loss, L = mean(−min(r·Â, clip(r, 1−ε, 1+ε)·Â)) + c_v·mean(½·max((v−R)²,
 * (v_clip−R)²)) − c_e·mean(H), and its gradient with respect to the sample's logits and value, written
 * into `dLogits[row]` and `dValues[row]` (already divided by the minibatch size `m`).
 */
export function ppoLoss(
  logits: Float32Array, row: number, A: number, action: number, oldLogProb: number, advantage: number,
  value: number, oldValue: number, target: number,
  config: Pick<PpoConfig, 'clipCoef' | 'clipValueLoss' | 'entropyCoef' | 'valueCoef'>, m: number,
  dLogits: Float32Array, dValues: Float32Array,
): LossTerms {
  const base = row * A;
  // log-softmax of this row
  let max = -Infinity;
  for (let a = 0; a < A; a++) max = Math.max(max, logits[base + a]);
  let sum = 0;
  for (let a = 0; a < A; a++) sum += Math.exp(logits[base + a] - max);
  const logSum = max + Math.log(sum);
  const newLogProb = logits[base + action] - logSum;
  const logRatio = newLogProb - oldLogProb;
  const ratio = Math.exp(logRatio);
  // policy: −min(r·Â, clip(r)·Â); the gradient flows through r only where the unclipped term is the min
  const unclipped = ratio * advantage;
  const clippedTerm = Math.min(Math.max(ratio, 1 - config.clipCoef), 1 + config.clipCoef) * advantage;
  const dLogProb = unclipped <= clippedTerm ? -advantage * ratio : 0;
  // entropy H = −Σ p log p, and d(−c·H)/dlogit_a = c · p_a (log p_a + H)
  let entropy = 0;
  for (let a = 0; a < A; a++) {
    const logP = logits[base + a] - logSum;
    entropy -= Math.exp(logP) * logP;
  }
  for (let a = 0; a < A; a++) {
    const logP = logits[base + a] - logSum;
    const p = Math.exp(logP);
    dLogits[base + a] = (dLogProb * ((a === action ? 1 : 0) - p) + config.entropyCoef * p * (logP + entropy)) / m;
  }
  // value: ½·max((v − R)², (v_clip − R)²), v_clip = v_old + clip(v − v_old, −ε, ε)
  let valueLoss: number;
  let dv: number;
  if (config.clipValueLoss) {
    const vClipped = oldValue + Math.min(Math.max(value - oldValue, -config.clipCoef), config.clipCoef);
    const lossUnclipped = (value - target) ** 2;
    const lossClipped = (vClipped - target) ** 2;
    valueLoss = 0.5 * Math.max(lossUnclipped, lossClipped);
    dv = lossClipped > lossUnclipped ? (Math.abs(value - oldValue) < config.clipCoef ? vClipped - target : 0) : value - target;
  } else {
    valueLoss = 0.5 * (value - target) ** 2;
    dv = value - target;
  }
  dValues[row] = (config.valueCoef * dv) / m;
  return {
    policy: -Math.min(unclipped, clippedTerm),
    value: valueLoss,
    entropy,
    approxKl: ratio - 1 - logRatio,
    clipped: Math.abs(ratio - 1) > config.clipCoef,
  };
}

// ── The trainer ─────────────────────────────────────────────────────────────────────────────────
class PpoTrainer implements Trainer {
  steps = 0;
  private iteration = 0;
  private readonly vec: VectorEnv;
  private readonly net: ActorCriticNetwork;
  private readonly rng: Rng;
  private readonly batch: number;
  private readonly inputSize: number;
  private readonly actionCount: number;
  // Rollout storage, time-major [T, N].
  private readonly observations: Float32Array;
  private readonly actions: Int32Array;
  private readonly logProbs: Float32Array;
  private readonly rewards: Float32Array;
  private readonly values: Float32Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  private readonly finalValues: Float32Array;
  private readonly nextValues: Float32Array;
  private readonly advantages: Float32Array;
  private readonly returns: Float32Array;
  private readonly mask: Uint8Array;
  private readonly stepActions: Int32Array;
  private readonly scaler: RewardScaler | undefined;
  private readonly bonus: CountBonus | undefined;
  /** This step's rewards with the exploration bonus added. */
  private readonly stepRewards: Float64Array;

  constructor(
    private readonly setup: TrainSetup,
    private readonly config: PpoConfig,
    state?: TrainerState,
  ) {
    const { spec, params, seed } = setup;
    this.vec = new VectorEnv(spec, params, config.envs);
    const shape = this.vec.shape;
    this.inputSize = this.vec.planeSize;
    this.actionCount = spec.actions.length;
    this.rng = new Rng(seed);
    this.net = createNetwork(config.network, shape, this.actionCount, config.hidden, this.rng.fork());
    const T = config.rolloutSteps;
    const N = config.envs;
    this.batch = T * N;
    this.observations = new Float32Array(this.batch * this.inputSize);
    this.actions = new Int32Array(this.batch);
    this.logProbs = new Float32Array(this.batch);
    this.rewards = new Float32Array(this.batch);
    this.values = new Float32Array(this.batch);
    this.terminated = new Uint8Array(this.batch);
    this.truncated = new Uint8Array(this.batch);
    this.finalValues = new Float32Array(this.batch);
    this.nextValues = new Float32Array(N);
    this.advantages = new Float32Array(this.batch);
    this.returns = new Float32Array(this.batch);
    this.mask = new Uint8Array(this.batch);
    this.stepActions = new Int32Array(N);
    this.scaler = config.normalizeRewards ? new RewardScaler(N, setup.myopia.gamma) : undefined;
    this.bonus = config.explorationBonus > 0 ? new CountBonus(config.explorationBonus) : undefined;
    this.stepRewards = new Float64Array(N);
    this.vec.reset(seed * 1_000_003);
    if (state) {
      const json = state.json as { steps: number; iteration: number; rng: [number, number, number, number] };
      this.steps = json.steps;
      this.iteration = json.iteration;
      this.rng.setState(json.rng);
      this.net.loadState(state.arrays);
      if (this.scaler) this.scaler.load(state.arrays['rewardScaler'] as Float64Array);
      if (this.bonus) this.bonus.load(state.arrays['visitCounts'] as Uint32Array);
      this.vec.restoreArrays(state.arrays);
    }
  }

  iterate(): Metrics {
    const { config, vec, net } = this;
    const N = config.envs;
    const T = config.rolloutSteps;
    const D = this.inputSize;
    const A = this.actionCount;
    const { gamma, rewardHorizon } = this.setup.myopia;
    const learningRate = annealedLearningRate(config, this.steps, this.setup.budget);

    // ── Rollout ──
    let episodes = 0;
    let returnSum = 0;
    let performanceSum = 0;
    for (let t = 0; t < T; t++) {
      const base = t * N;
      this.observations.set(vec.planes, base * D);
      const out = net.forward(vec.planes, N);
      for (let i = 0; i < N; i++) {
        const action = sampleAction(out.logits, i, A, this.rng);
        this.stepActions[i] = action;
        this.actions[base + i] = action;
        this.logProbs[base + i] = logProb(out.logits, i, A, action);
        this.values[base + i] = out.values[i];
      }
      vec.step(this.stepActions);
      let anyTruncated = false;
      const raw = this.stepRewards;
      for (let i = 0; i < N; i++) {
        const done = vec.terminated[i] === 1 || vec.truncated[i] === 1;
        raw[i] = vec.rewards[i] + (this.bonus ? this.bonus.visit(done ? vec.finalPlanes : vec.planes, i, D) : 0);
      }
      if (this.scaler) this.scaler.scale(this.rewards, base, raw, (i) => vec.terminated[i] === 1 || vec.truncated[i] === 1);
      else for (let i = 0; i < N; i++) this.rewards[base + i] = raw[i];
      for (let i = 0; i < N; i++) {
        this.terminated[base + i] = vec.terminated[i];
        this.truncated[base + i] = vec.truncated[i];
        if (vec.truncated[i]) anyTruncated = true;
        if (vec.terminated[i] || vec.truncated[i]) {
          episodes++;
          returnSum += vec.episodeReturn[i];
          performanceSum += vec.episodePerformance[i];
        }
      }
      if (anyTruncated) {
        // Bootstrap truncated episodes from their last observation.
        const final = net.forward(vec.finalPlanes, N);
        for (let i = 0; i < N; i++) this.finalValues[base + i] = vec.truncated[i] ? final.values[i] : 0;
      }
    }
    this.nextValues.set(net.forward(vec.planes, N).values);
    this.steps += T * N;

    // ── Advantages: GAE, or H-step truncated returns for myopic training ──
    const view: RolloutView = {
      steps: T, envs: N, rewards: this.rewards, values: this.values, terminated: this.terminated,
      truncated: this.truncated, finalValues: this.finalValues, nextValues: this.nextValues,
    };
    estimateAdvantages(view, gamma, config.gaeLambda, rewardHorizon, this.advantages, this.returns, this.mask);

    // ── Update: epochs of shuffled minibatches ──
    const indices = new Int32Array(this.batch);
    let used = 0;
    for (let k = 0; k < this.batch; k++) if (this.mask[k]) indices[used++] = k;
    const minibatch = Math.max(1, Math.floor(used / config.minibatches));
    const mbObs = new Float32Array(minibatch * D);
    const dLogits = new Float32Array(minibatch * A);
    const dValues = new Float32Array(minibatch);
    const mbAdv = new Float32Array(minibatch);
    let policyLoss = 0;
    let valueLoss = 0;
    let entropy = 0;
    let approxKl = 0;
    let clipFraction = 0;
    let gradNorm = 0;
    let updates = 0;
    for (let epoch = 0; epoch < config.updateEpochs && used >= minibatch; epoch++) {
      this.rng.shuffle(indices.subarray(0, used));
      for (let start = 0; start + minibatch <= used; start += minibatch) {
        for (let j = 0; j < minibatch; j++) {
          const k = indices[start + j];
          copyRow(this.observations, k, mbObs, j, D);
          mbAdv[j] = this.advantages[k];
        }
        if (config.normalizeAdvantages) standardize(mbAdv, minibatch);
        const out = net.forward(mbObs, minibatch);
        for (let j = 0; j < minibatch; j++) {
          const k = indices[start + j];
          const terms = ppoLoss(out.logits, j, A, this.actions[k], this.logProbs[k], mbAdv[j], out.values[j], this.values[k], this.returns[k], config, minibatch, dLogits, dValues);
          policyLoss += terms.policy;
          valueLoss += terms.value;
          entropy += terms.entropy;
          approxKl += terms.approxKl;
          if (terms.clipped) clipFraction++;
        }
        gradNorm += net.backwardAndStep(dLogits, dValues, learningRate, config.maxGradNorm);
        updates++;
      }
    }
    this.iteration++;
    const samples = Math.max(1, updates * minibatch);
    return {
      episodes,
      return: episodes ? returnSum / episodes : NaN,
      performance: episodes ? performanceSum / episodes : NaN,
      policy_loss: policyLoss / samples,
      value_loss: valueLoss / samples,
      entropy: entropy / samples,
      approx_kl: approxKl / samples,
      clip_fraction: clipFraction / samples,
      grad_norm: updates ? gradNorm / updates : NaN,
      learning_rate: learningRate,
    };
  }

  save(): TrainerState {
    return {
      json: { steps: this.steps, iteration: this.iteration, rng: this.rng.state() },
      arrays: {
        ...this.net.state(),
        ...(this.scaler ? { rewardScaler: this.scaler.state() } : {}),
        ...(this.bonus ? { visitCounts: this.bonus.counts } : {}),
        ...this.vec.snapshotArrays(),
      },
    };
  }

  policy(): Policy {
    return new PpoPolicy(this.net);
  }

  dispose(): void {
    this.net.dispose();
  }
}

export const ppo: Algorithm<PpoConfig> = {
  name: 'ppo',
  summary: 'Proximal Policy Optimization (clipped), vectorised, with GAE; mlp or cnn actor-critic',
  defaults: PPO_DEFAULTS,
  check(setup, config) {
    if (!NETWORK_KINDS.includes(config.network)) throw new UsageError(`ppo's network is one of ${NETWORK_KINDS.join(', ')}; got "${config.network}".`);
    if (config.envs < 1 || config.rolloutSteps < 1 || config.minibatches < 1 || config.updateEpochs < 1) {
      throw new UsageError('ppo needs envs, rolloutSteps, minibatches and updateEpochs ≥ 1.');
    }
    if (!(config.explorationBonus >= 0)) throw new UsageError(`ppo's explorationBonus is β ≥ 0 (0: none); got ${config.explorationBonus}.`);
    if (config.envs * config.rolloutSteps < config.minibatches) throw new UsageError('ppo needs at least one sample per minibatch: raise envs × rolloutSteps or lower minibatches.');
    void setup;
  },
  async create(setup, config, state) {
    await loadTf();
    return new PpoTrainer(setup, config, state);
  },
  async loadPolicy(setup, config, state) {
    await loadTf();
    const vec = new VectorEnv(setup.spec, setup.params, 1);
    const net = createNetwork(config.network, vec.shape, setup.spec.actions.length, config.hidden, new Rng(0));
    net.loadState(state.arrays);
    return new PpoPolicy(net);
  },
};
