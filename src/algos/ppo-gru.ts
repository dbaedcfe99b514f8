/**
 * Recurrent PPO, after CleanRL's ppo_atari_lstm.py with a GRU: the policy carries a hidden state from
 * step to step within an episode, so it can remember what it saw (a supervisor who has left, a door
 * already opened) and plan over time. The rollout keeps each copy's hidden state and zeroes it when
 * an episode starts; the update replays minibatches of whole copies' sequences from the state they
 * began the rollout with, and backpropagates through time. Loss, advantages, reward scaling and
 * myopia controls are PPO's own (ppo.ts, returns.ts).
 */
import { Rng } from '../core/rng.js';
import { UsageError } from '../core/errors.js';
import type { Observation } from '../engine/env.js';
import { VectorEnv } from '../engine/vector.js';
import { GruActorCritic } from '../nn/gru-actor-critic.js';
import { loadTf } from '../nn/tf.js';
import type { Algorithm, Metrics, Policy, Trainer, TrainerState, TrainSetup } from '../train/types.js';
import { copyRow } from './networks.js';
import { annealedLearningRate, logProb, PPO_DEFAULTS, ppoLoss, sampleAction, type PpoConfig } from './ppo.js';
import { estimateAdvantages, standardize, type RolloutView } from './returns.js';
import { RewardScaler } from './reward-scaler.js';

// ── Hyperparameters ─────────────────────────────────────────────────────────────────────────────
/** PPO's, less the network choice (always the GRU); minibatches split the copies, not the steps. */
export type PpoGruConfig = Omit<PpoConfig, 'network'>;

export const PPO_GRU_DEFAULTS: PpoGruConfig = (({ network: _n, ...rest }) => ({ ...rest, envs: 8, minibatches: 4 }))(PPO_DEFAULTS);

// ── Acting ──────────────────────────────────────────────────────────────────────────────────────
/** The trained policy keeps its own memory; `reset()` clears it for a new episode. */
class GruPolicy implements Policy {
  private readonly hidden: Float32Array;
  private readonly start = Uint8Array.of(1);

  constructor(private readonly net: GruActorCritic) {
    this.hidden = new Float32Array(net.hiddenSize);
  }

  reset(): void {
    this.start[0] = 1;
  }

  act(observation: Observation, rng: Rng): number {
    const { logits } = this.net.step(observation.planes, this.hidden, this.start, 1);
    this.start[0] = 0;
    return sampleAction(logits, 0, this.net.actions, rng);
  }

  dispose(): void {
    this.net.dispose();
  }
}

// ── The trainer ─────────────────────────────────────────────────────────────────────────────────
class PpoGruTrainer implements Trainer {
  steps = 0;
  private iteration = 0;
  private readonly vec: VectorEnv;
  private readonly net: GruActorCritic;
  private readonly rng: Rng;
  private readonly D: number;
  private readonly A: number;
  private readonly H: number;
  private readonly batch: number;
  /** Each copy's hidden state now, and at the start of the rollout (the update replays from it). */
  private readonly hidden: Float32Array;
  private readonly rolloutHidden: Float32Array;
  /** 1 where copy i's next observation begins an episode. */
  private readonly nextStarts: Uint8Array;
  // Rollout storage, time-major [T, N].
  private readonly observations: Float32Array;
  private readonly starts: Uint8Array;
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

  constructor(
    private readonly setup: TrainSetup,
    private readonly config: PpoGruConfig,
    state?: TrainerState,
  ) {
    const N = config.envs;
    const T = config.rolloutSteps;
    this.vec = new VectorEnv(setup.spec, setup.params, N);
    this.D = this.vec.planeSize;
    this.A = setup.spec.actions.length;
    this.H = config.hidden;
    this.rng = new Rng(setup.seed);
    this.net = new GruActorCritic(this.D, this.A, this.H, this.rng.fork());
    this.batch = T * N;
    this.hidden = new Float32Array(N * this.H);
    this.rolloutHidden = new Float32Array(N * this.H);
    this.nextStarts = new Uint8Array(N).fill(1);
    this.observations = new Float32Array(this.batch * this.D);
    this.starts = new Uint8Array(this.batch);
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
    this.vec.reset(setup.seed * 1_000_003);
    if (state) {
      const json = state.json as { steps: number; iteration: number; rng: [number, number, number, number] };
      this.steps = json.steps;
      this.iteration = json.iteration;
      this.rng.setState(json.rng);
      this.net.loadState(state.arrays);
      this.hidden.set(state.arrays.hidden as Float32Array);
      this.nextStarts.set(state.arrays.nextStarts as Int32Array);
      if (this.scaler) this.scaler.load(state.arrays.rewardScaler as Float64Array);
      this.vec.restoreArrays(state.arrays);
    }
  }

  iterate(): Metrics {
    const { config, vec, net, D, A, H } = this;
    const N = config.envs;
    const T = config.rolloutSteps;
    const { gamma, rewardHorizon } = this.setup.myopia;
    const learningRate = annealedLearningRate(config, this.steps, this.setup.budget);

    // ── Rollout, carrying each copy's memory ──
    this.rolloutHidden.set(this.hidden);
    let episodes = 0;
    let returnSum = 0;
    let performanceSum = 0;
    for (let t = 0; t < T; t++) {
      const base = t * N;
      this.observations.set(vec.planes, base * D);
      this.starts.set(this.nextStarts, base);
      const out = net.step(vec.planes, this.hidden, this.nextStarts, N);
      for (let i = 0; i < N; i++) {
        const action = sampleAction(out.logits, i, A, this.rng);
        this.stepActions[i] = action;
        this.actions[base + i] = action;
        this.logProbs[base + i] = logProb(out.logits, i, A, action);
        this.values[base + i] = out.values[i];
      }
      vec.step(this.stepActions);
      if (this.scaler) this.scaler.scale(this.rewards, base, vec.rewards, (i) => vec.terminated[i] === 1 || vec.truncated[i] === 1);
      else for (let i = 0; i < N; i++) this.rewards[base + i] = vec.rewards[i];
      for (let i = 0; i < N; i++) {
        const ended = vec.terminated[i] === 1 || vec.truncated[i] === 1;
        this.terminated[base + i] = vec.terminated[i];
        this.truncated[base + i] = vec.truncated[i];
        this.nextStarts[i] = ended ? 1 : 0;
        if (ended) {
          episodes++;
          returnSum += vec.episodeReturn[i];
          performanceSum += vec.episodePerformance[i];
          // A truncated episode bootstraps from its last observation, seen with the memory it had.
          this.finalValues[base + i] = vec.truncated[i] ? this.peekValue(vec.finalPlanes, i) : 0;
        }
      }
    }
    // The value of where each copy stands, with its current memory (a copy about to restart has none).
    const probe = Float32Array.from(this.hidden);
    this.nextValues.set(net.step(vec.planes, probe, this.nextStarts, N).values);
    this.steps += T * N;

    // ── Advantages ──
    const view: RolloutView = { steps: T, envs: N, rewards: this.rewards, values: this.values, terminated: this.terminated, truncated: this.truncated, finalValues: this.finalValues, nextValues: this.nextValues };
    estimateAdvantages(view, gamma, config.gaeLambda, rewardHorizon, this.advantages, this.returns, this.mask);

    // ── Update: minibatches of whole copies, replayed through time from their first state ──
    const perBatch = Math.max(1, Math.floor(N / config.minibatches));
    const copies = Int32Array.from({ length: N }, (_, i) => i);
    const m = T * perBatch;
    const mbObs = new Float32Array(m * D);
    const mbStarts = new Uint8Array(m);
    const mbHidden = new Float32Array(perBatch * H);
    const mbAdv = new Float32Array(m);
    const dLogits = new Float32Array(m * A);
    const dValues = new Float32Array(m);
    let policyLoss = 0;
    let valueLoss = 0;
    let entropy = 0;
    let approxKl = 0;
    let clipFraction = 0;
    let gradNorm = 0;
    let updates = 0;
    let samples = 0;
    for (let epoch = 0; epoch < config.updateEpochs; epoch++) {
      this.rng.shuffle(copies);
      for (let start = 0; start + perBatch <= N; start += perBatch) {
        // Gather the chosen copies' sequences, time-major [T, perBatch].
        for (let j = 0; j < perBatch; j++) {
          const i = copies[start + j];
          copyRow(this.rolloutHidden, i, mbHidden, j, H);
          for (let t = 0; t < T; t++) {
            const k = t * N + i;
            const row = t * perBatch + j;
            copyRow(this.observations, k, mbObs, row, D);
            mbStarts[row] = this.starts[k];
            mbAdv[row] = this.advantages[k];
          }
        }
        if (config.normalizeAdvantages) standardize(mbAdv, m);
        const out = net.sequence(mbObs, mbStarts, mbHidden, T, perBatch);
        let used = 0;
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < perBatch; j++) {
            const row = t * perBatch + j;
            const k = t * N + copies[start + j];
            if (!this.mask[k]) {
              dLogits.fill(0, row * A, (row + 1) * A);
              dValues[row] = 0;
              continue;
            }
            used++;
            const terms = ppoLoss(out.logits, row, A, this.actions[k], this.logProbs[k], mbAdv[row], out.values[row], this.values[k], this.returns[k], config, m, dLogits, dValues);
            policyLoss += terms.policy;
            valueLoss += terms.value;
            entropy += terms.entropy;
            approxKl += terms.approxKl;
            if (terms.clipped) clipFraction++;
          }
        }
        samples += used;
        gradNorm += net.sequenceBackwardAndStep(mbObs, mbStarts, mbHidden, T, perBatch, dLogits, dValues, learningRate, config.maxGradNorm);
        updates++;
      }
    }
    this.iteration++;
    const n = Math.max(1, samples);
    return {
      episodes,
      return: episodes ? returnSum / episodes : NaN,
      performance: episodes ? performanceSum / episodes : NaN,
      policy_loss: policyLoss / n,
      value_loss: valueLoss / n,
      entropy: entropy / n,
      approx_kl: approxKl / n,
      clip_fraction: clipFraction / n,
      grad_norm: updates ? gradNorm / updates : NaN,
      learning_rate: learningRate,
    };
  }

  /** The value of copy i's final observation, given its memory before this step's update. */
  private peekValue(planes: Float32Array, i: number): number {
    const H = this.H;
    const memory = this.hidden.slice(i * H, (i + 1) * H);
    return this.net.step(planes.subarray(i * this.D, (i + 1) * this.D), memory, Uint8Array.of(0), 1).values[0];
  }

  save(): TrainerState {
    return {
      json: { steps: this.steps, iteration: this.iteration, rng: this.rng.state() },
      arrays: {
        ...this.net.state(),
        hidden: this.hidden.slice(),
        nextStarts: Int32Array.from(this.nextStarts),
        ...(this.scaler ? { rewardScaler: this.scaler.state() } : {}),
        ...this.vec.snapshotArrays(),
      },
    };
  }

  policy(): Policy {
    return new GruPolicy(this.net);
  }

  dispose(): void {
    this.net.dispose();
  }
}

export const ppoGru: Algorithm<PpoGruConfig> = {
  name: 'ppo-gru',
  summary: 'recurrent PPO: a GRU policy with memory within an episode, trained through time',
  defaults: PPO_GRU_DEFAULTS,
  check(_setup, config) {
    if (config.envs < 1 || config.rolloutSteps < 1 || config.minibatches < 1 || config.updateEpochs < 1) {
      throw new UsageError('ppo-gru needs envs, rolloutSteps, minibatches and updateEpochs ≥ 1.');
    }
    if (config.minibatches > config.envs) throw new UsageError(`ppo-gru splits the ${config.envs} copies into minibatches of whole sequences: minibatches must be ≤ envs.`);
  },
  async create(setup, config, state) {
    await loadTf();
    return new PpoGruTrainer(setup, config, state);
  },
  async loadPolicy(setup, config, state) {
    await loadTf();
    const vec = new VectorEnv(setup.spec, setup.params, 1);
    const net = new GruActorCritic(vec.planeSize, setup.spec.actions.length, config.hidden, new Rng(0));
    net.loadState(state.arrays);
    return new GruPolicy(net);
  },
};
