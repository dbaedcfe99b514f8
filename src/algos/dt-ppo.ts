/**
 * PPO on the history model: the gain-of-function testbed's base optimizer. A decoder-only transformer
 * (pretrained on fictitious histories, or fresh) acts Decision-Transformer style in its own life's
 * token sequence: at each step it reads the observation, predicts its own return (the OBSERVATION
 * head, which doubles as PPO's critic), writes that prediction as the RETURN position and predicts
 * its action there. Iterations are whole episodes, and between them the life records the update, as
 * the histories do: MODIFICATION after an episode caught misbehaving while watched, else UPDATE.
 * The update is PPO's clipped objective (Schulman et al. 2017) with GAE, an entropy bonus, the value
 * loss on the return head and the reward head's loss kept as an auxiliary, each position re-read
 * through the same window it was acted from.
 *
 * Actions must be the shared five (up, down, left, right, no-op). Episodes truncated by the horizon
 * bootstrap with 0, as terminated ones do.
 */
import { MesalabError, UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Env } from '../engine/env.js';
import { planeSize } from '../engine/spec.js';
import { ACTION, ACTION_COUNT, EPISODE_END, EPISODE_START, MODIFICATION, OBSERVATION, PHASES, RETURN, SHARED_ACTIONS, type Phase } from '../histories/tokens.js';
import { loadTf, tfSync } from '../nn/tf.js';
import { jsLoss, logSumExp, maskedMeanSquare } from '../nn/js-loss.js';
import { allocateBatch, writeWindow, type WindowBatch } from '../sequence/batch.js';
import { Life, windowStart } from '../sequence/life.js';
import { HistoryModel, TOKEN_FEATURES, transferModel, VALUE_SCALE, type HistoryModelConfig } from '../sequence/model.js';
import { loadHistoryModel } from '../sequence/saved.js';
import { ensurePretrained, type ModelSize } from '../sequence/pretrain.js';
import { SMALL_SEQUENCE_CONFIG } from '../sequence/trainer.js';
import type { Algorithm, EpisodeStart, Metrics, Policy, StepOutcome, Trainer, TrainerState, TrainSetup } from '../train/types.js';
import { sampleAction } from './ppo.js';

// ── Hyperparameters ─────────────────────────────────────────────────────────────────────────────
export interface DtPpoConfig {
  /** A sequence run directory (`mesalab sequence train --out DIR`) to start from; "" trains a fresh model (or one made by the recipe below). */
  readonly pretrained: string;
  /**
   * A pretraining recipe instead of a directory: the agent mix of the histories (as `mesalab histories
   * generate --agents` takes it; "" for none), how many, the model size (small or default), its
   * training steps, and the seed of both (−1: the run's own seed, so that seeds vary the pretraining
   * as well as the RL, and conditions are not compared on one pretrained draw each). Made once and
   * cached (see src/sequence/pretrain.ts).
   */
  readonly pretrainMix: string;
  readonly pretrainHistories: number;
  readonly pretrainSize: string;
  readonly pretrainSteps: number;
  readonly pretrainSeed: number;
  /** Size of a fresh model (ignored with `pretrained`, whose size is its own). */
  readonly dim: number;
  readonly heads: number;
  readonly layers: number;
  readonly context: number;
  /** Lives lived side by side. */
  readonly envs: number;
  /** Episodes of each life per update. */
  readonly episodesPerUpdate: number;
  readonly learningRate: number;
  readonly annealLearningRate: boolean;
  readonly gaeLambda: number;
  readonly updateEpochs: number;
  readonly clipCoef: number;
  /** Stop an update's epochs once the approximate KL from the rollout policy exceeds this (CleanRL's target_kl); 0: never. */
  readonly targetKl: number;
  readonly entropyCoef: number;
  readonly valueCoef: number;
  /** Weight of the reward head's squared error (keeps the model predicting its world). */
  readonly rewardCoef: number;
  readonly maxGradNorm: number;
}

export const DT_PPO_DEFAULTS: DtPpoConfig = {
  pretrained: '',
  pretrainMix: '',
  pretrainHistories: 4000,
  pretrainSize: 'small',
  pretrainSteps: 3000,
  pretrainSeed: -1,
  dim: SMALL_SEQUENCE_CONFIG.dim,
  heads: SMALL_SEQUENCE_CONFIG.heads,
  layers: SMALL_SEQUENCE_CONFIG.layers,
  context: SMALL_SEQUENCE_CONFIG.context,
  envs: 8,
  episodesPerUpdate: 1,
  learningRate: 5e-4,
  annealLearningRate: true,
  gaeLambda: 0.95,
  updateEpochs: 4,
  clipCoef: 0.2,
  targetKl: 0.02,
  entropyCoef: 0.01,
  valueCoef: 0.5,
  rewardCoef: 0.5,
  maxGradNorm: 0.5,
};

/** The phase of its life an agent is in on a split: `deploy` and `deploy-…` are deployment, `test` testing, all else training. */
export function phaseOfSplit(split: string): Phase {
  return split === 'deploy' || split.startsWith('deploy-') ? 'deploy' : split === 'test' ? 'test' : 'train';
}

/** `config` with `pretrained` pointing at the recipe's cached model, made first if need be. */
async function resolvePretrained(config: DtPpoConfig, setup: TrainSetup): Promise<DtPpoConfig> {
  if (config.pretrainMix === '') return config;
  if (config.pretrained !== '') throw new UsageError('dt-ppo takes a pretrained directory or a pretraining recipe (pretrainMix), not both.');
  if (!Number.isInteger(config.pretrainSeed) || config.pretrainSeed < -1) throw new UsageError(`dt-ppo's pretrainSeed takes an integer ≥ 0, or −1 for the run's own seed; got ${config.pretrainSeed}.`);
  const pretrained = await ensurePretrained({
    mix: config.pretrainMix,
    histories: config.pretrainHistories,
    seed: config.pretrainSeed === -1 ? setup.seed : config.pretrainSeed,
    size: config.pretrainSize as ModelSize,
    steps: config.pretrainSteps,
  }, undefined, setup.notify, setup.shouldStop);
  return { ...config, pretrained };
}

function checkActions(setup: TrainSetup): void {
  const letters = setup.spec.actions.map((a) => a.name);
  if (letters.length !== ACTION_COUNT || letters.some((name, i) => name !== SHARED_ACTIONS[i])) {
    throw new UsageError(
      `dt-ppo acts with the actions the history model was trained on (${SHARED_ACTIONS.join(', ')}); ${setup.spec.name} has ${letters.join(', ')}. Use an environment with those five, such as vault.`,
    );
  }
}

// ── The network ─────────────────────────────────────────────────────────────────────────────────
function buildModel(setup: TrainSetup, config: DtPpoConfig, rng: Rng): HistoryModel {
  const observationSize = planeSize(setup.spec.observationShape(setup.params));
  if (config.pretrained === '') {
    return new HistoryModel({ dim: config.dim, heads: config.heads, layers: config.layers, context: config.context, observationSize, blind: false }, rng);
  }
  const { model } = loadHistoryModel(config.pretrained);
  const moved = transferModel(model, observationSize, rng);
  model.dispose();
  return moved;
}

/** Model outputs at one position of each of several lives, each read through its acting window. */
class WindowReader {
  /** One input batch per window length (rounded up to 32 positions), with a row for every life. */
  private readonly batches = new Map<number, WindowBatch>();

  constructor(
    private readonly model: HistoryModel,
    private readonly capacity: number,
  ) {}

  /** Per life: [action logits (ACTION_COUNT values)…] and predicted returns (unscaled), at position `length − 1`. */
  read(lives: readonly Life[]): { logits: Float32Array; returns: Float32Array } {
    const tf = tfSync();
    const { context, observationSize } = this.model.config;
    if (lives.length > this.capacity) throw new Error(`WindowReader: ${lives.length} lives, room for ${this.capacity}`);
    const starts = lives.map((life) => windowStart(life.length - 1, context));
    const needed = Math.max(...lives.map((life, i) => life.length - starts[i]));
    const time = Math.min(context, Math.ceil(needed / 32) * 32);
    let batch = this.batches.get(time);
    if (!batch) this.batches.set(time, (batch = allocateBatch(this.capacity, time, observationSize)));
    lives.forEach((life, row) => writeWindow(batch!, row, life, starts[row], false));
    const [logits, returns] = tf.tidy(() => {
      const rows = lives.length;
      const out = this.model.forward(
        tf.tensor(batch!.tokens.subarray(0, rows * time * TOKEN_FEATURES), [rows, time, TOKEN_FEATURES]),
        tf.tensor(batch!.observations.subarray(0, rows * time * observationSize), [rows, time, observationSize]),
      );
      return [out.actionLogits.dataSync() as Float32Array, out.predictedReturn.dataSync() as Float32Array];
    });
    const pickedLogits = new Float32Array(lives.length * ACTION_COUNT);
    const pickedReturns = new Float32Array(lives.length);
    lives.forEach((life, row) => {
      const t = row * time + (life.length - 1 - starts[row]);
      pickedLogits.set(logits.subarray(t * ACTION_COUNT, (t + 1) * ACTION_COUNT), row * ACTION_COUNT);
      pickedReturns[row] = returns[t] * VALUE_SCALE;
    });
    return { logits: pickedLogits, returns: pickedReturns };
  }
}

// ── The policy ──────────────────────────────────────────────────────────────────────────────────
/**
 * The trained agent: every episode is lived after the same remembered past (the end of its
 * training life), in the phase its split names, so episodes are independent and paired seeds agree.
 */
export class SequencePolicy implements Policy {
  private readonly reader: WindowReader;
  private readonly life: Life;
  private readonly pastLength: number;
  private phase: Phase = 'train';
  private watched = false;
  private lastAction = -1;

  constructor(
    readonly model: HistoryModel,
    past: Life,
  ) {
    this.reader = new WindowReader(model, 1);
    this.life = past.suffix(0);
    this.pastLength = past.length;
  }

  reset(episode?: EpisodeStart): void {
    this.life.truncate(this.pastLength);
    this.phase = phaseOfSplit(episode?.split ?? 'train');
    this.watched = episode?.watched ?? false;
    this.life.episodeStart(this.phase, this.watched);
    this.lastAction = -1;
  }

  act(observation: { planes: Float32Array }, rng: Rng): number {
    if (this.life.length === this.pastLength) this.reset();
    this.life.observe(observation.planes, this.phase, this.watched);
    const expected = this.reader.read([this.life]).returns[0];
    this.life.expect(expected, this.phase, this.watched);
    const action = sampleAction(this.reader.read([this.life]).logits, 0, ACTION_COUNT, rng);
    this.lastAction = this.life.act(action, this.phase, this.watched);
    return action;
  }

  observe(outcome: StepOutcome): void {
    if (this.lastAction >= 0) this.life.rewarded(this.lastAction, outcome.reward);
    this.watched = outcome.watched;
    if (outcome.done) this.life.episodeEnd(this.phase, this.watched);
  }

  dispose(): void {
    this.model.dispose();
  }
}

// ── The trainer ─────────────────────────────────────────────────────────────────────────────────
interface StepRecord {
  readonly life: number;
  readonly observation: number;
  readonly ret: number;
  readonly action: number;
  readonly chosen: number;
  readonly logProbability: number;
  readonly value: number;
  readonly reward: number;
  readonly done: boolean;
}

const logSoftmaxAt = (logits: Float32Array, row: number, action: number): number =>
  logits[row * ACTION_COUNT + action] - logSumExp(logits, row * ACTION_COUNT, ACTION_COUNT);

class DtPpoTrainer implements Trainer {
  steps = 0;
  private readonly model: HistoryModel;
  private readonly reader: WindowReader;
  private readonly lives: Life[];
  private readonly envs: Env[];
  private readonly rng: Rng;
  private iterations = 0;

  constructor(
    private readonly setup: TrainSetup,
    private readonly config: DtPpoConfig,
    state?: TrainerState,
  ) {
    checkActions(setup);
    const rng = new Rng(setup.seed);
    const modelRng = rng.fork();
    this.rng = rng.fork();
    // A saved state carries its model's size, so neither resuming nor evaluating reads `pretrained` again.
    const saved = (state?.json as { model?: HistoryModelConfig } | undefined)?.model;
    this.model = saved ? new HistoryModel(saved, modelRng) : buildModel(setup, config, modelRng);
    this.reader = new WindowReader(this.model, config.envs);
    const observationSize = this.model.config.observationSize;
    this.lives = Array.from({ length: config.envs }, () => new Life(observationSize));
    this.envs = Array.from({ length: config.envs }, () => new Env(setup.spec, setup.params, setup.split));
    if (state) this.load(state);
  }

  iterate(): Metrics {
    const tf = tfSync();
    const { config } = this;
    const gamma = this.setup.myopia.gamma;
    const records: StepRecord[][] = this.lives.map(() => []);
    const from = this.lives.map((life) => life.length);
    const returns: number[] = [];
    const performances: number[] = [];
    let caughtEpisodes = 0;
    const modified = this.lives.map(() => false);
    /** Whether each life's last episode was watched: its update token carries that, as in the histories. */
    const lastWatched = this.lives.map(() => false);

    // rollout: whole episodes, every life side by side
    for (let episode = 0; episode < config.episodesPerUpdate; episode++) {
      const observations = this.envs.map((env) => env.reset(this.rng.uint32()));
      const watched = observations.map((o) => o.info.watched);
      const planes = observations.map((o) => o.observation.planes);
      this.lives.forEach((life, i) => life.episodeStart('train', (lastWatched[i] = watched[i])));
      let active = this.lives.map((_, i) => i);
      while (active.length > 0) {
        const lives = active.map((i) => this.lives[i]);
        lives.forEach((life, k) => life.observe(planes[active[k]], 'train', watched[active[k]]));
        const { returns: values } = this.reader.read(lives);
        lives.forEach((life, k) => life.expect(values[k], 'train', watched[active[k]]));
        const { logits } = this.reader.read(lives);
        const still: number[] = [];
        active.forEach((i, k) => {
          const life = this.lives[i];
          const action = sampleAction(logits, k, ACTION_COUNT, this.rng);
          const chosen = life.length - 1;
          const actionPosition = life.act(action, 'train', watched[i]);
          const step = this.envs[i].step(action);
          life.rewarded(actionPosition, step.reward);
          const done = step.terminated || step.truncated;
          records[i].push({
            life: i, observation: chosen - 1, ret: chosen, action: actionPosition, chosen: action,
            logProbability: logSoftmaxAt(logits, k, action), value: values[k], reward: step.reward, done,
          });
          this.steps++;
          watched[i] = step.info.watched;
          planes[i] = step.observation.planes;
          if (done) {
            life.episodeEnd('train', watched[i]);
            const totals = step.info.episode!;
            returns.push(totals.return);
            performances.push(totals.performance);
            if (totals.caught) {
              caughtEpisodes++;
              modified[i] = true;
            }
          } else {
            still.push(i);
          }
        });
        active = still;
      }
    }

    // generalized advantage estimation over each life's episodes (every one complete)
    const advantages = records.map((steps) => new Float64Array(steps.length));
    const targets = records.map((steps) => new Float64Array(steps.length));
    records.forEach((steps, i) => {
      let next = 0;
      let nextValue = 0;
      for (let t = steps.length - 1; t >= 0; t--) {
        const s = steps[t];
        if (s.done) {
          next = 0;
          nextValue = 0;
        }
        const delta = s.reward + gamma * nextValue - s.value;
        next = delta + gamma * config.gaeLambda * next;
        advantages[i][t] = next;
        targets[i][t] = next + s.value;
        nextValue = s.value;
      }
    });
    // advantage normalisation over the whole rollout
    let mean = 0;
    let count = 0;
    for (const a of advantages) for (const x of a) (mean += x), count++;
    mean /= Math.max(1, count);
    let variance = 0;
    for (const a of advantages) for (const x of a) variance += (x - mean) ** 2;
    const std = Math.sqrt(variance / Math.max(1, count - 1)) + 1e-8;

    // the windows to re-read: each step's positions through the window it was acted from
    interface Row { life: number; start: number }
    const rows: Row[] = [];
    const context = this.model.config.context;
    this.lives.forEach((life, i) => {
      const starts = new Set<number>();
      for (let p = from[i]; p < life.length; p++) starts.add(windowStart(p, context));
      for (const start of starts) rows.push({ life: i, start });
    });
    const time = Math.min(context, Math.max(...rows.map((r) => this.lives[r.life].length - r.start)));
    const observationSize = this.model.config.observationSize;
    const batch = allocateBatch(rows.length, time, observationSize);
    const positions = rows.length * time;
    const actionOf = new Int32Array(positions).fill(-1);
    const oldLogProbability = new Float32Array(positions);
    const advantage = new Float32Array(positions);
    const valueTarget = new Float32Array(positions);
    const valueMask = new Float32Array(positions);
    const rewardTarget = new Float32Array(positions);
    const rewardMask = new Float32Array(positions);
    rows.forEach((row, r) => {
      const life = this.lives[row.life];
      writeWindow(batch, r, life, row.start, false);
      records[row.life].forEach((s, t) => {
        const index = (p: number) => r * time + (p - row.start);
        if (windowStart(s.ret, context) === row.start) {
          actionOf[index(s.ret)] = s.chosen;
          oldLogProbability[index(s.ret)] = s.logProbability;
          advantage[index(s.ret)] = (advantages[row.life][t] - mean) / std;
        }
        if (windowStart(s.observation, context) === row.start) {
          valueTarget[index(s.observation)] = targets[row.life][t] / VALUE_SCALE;
          valueMask[index(s.observation)] = 1;
        }
        if (windowStart(s.action, context) === row.start) {
          rewardTarget[index(s.action)] = s.reward / VALUE_SCALE;
          rewardMask[index(s.action)] = 1;
        }
      });
    });

    // the PPO update
    const budget = this.setup.budget ?? Infinity;
    const lr = config.annealLearningRate && Number.isFinite(budget) ? config.learningRate * Math.max(0.05, 1 - this.steps / budget) : config.learningRate;
    const tokens = tf.tensor(batch.tokens, [rows.length, time, TOKEN_FEATURES]);
    const observations = tf.tensor(batch.observations, [rows.length, time, observationSize]);
    const stats = { policy: 0, entropy: 0, value: 0, reward: 0, clipFraction: 0, approxKl: 0 };
    let rereadKl = NaN;
    try {
      for (let epoch = 0; epoch < config.updateEpochs; epoch++) {
        this.model.update(
          () => {
            const out = this.model.forward(tokens, observations);
            return ppoLoss(out.actionLogits, out.predictedReturn, out.reward, { actionOf, oldLogProbability, advantage, valueTarget, valueMask, rewardTarget, rewardMask }, config, stats);
          },
          lr,
          config.maxGradNorm,
        );
        // The first epoch re-reads the rollout's own windows with the rollout's weights: its KL is 0 up to rounding.
        if (epoch === 0) rereadKl = stats.approxKl;
        // the KL read in this epoch's forward pass: how far the previous epochs have moved the policy
        if (config.targetKl > 0 && stats.approxKl > config.targetKl) break;
      }
    } finally {
      tokens.dispose();
      observations.dispose();
    }
    this.lives.forEach((life, i) => life.updated(modified[i], 'train', lastWatched[i]));
    this.iterations++;
    const average = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    return {
      return: average(returns),
      performance: average(performances),
      caught: caughtEpisodes / Math.max(1, returns.length),
      policyLoss: stats.policy,
      valueLoss: stats.value,
      rewardLoss: stats.reward,
      entropy: stats.entropy,
      approxKl: stats.approxKl,
      clipFraction: stats.clipFraction,
      rereadKl,
      learningRate: lr,
    };
  }

  save(): TrainerState {
    const arrays: Record<string, Float32Array | Int32Array | Uint32Array> = { ...this.model.state() };
    const rng = new Uint32Array(4);
    this.rng.saveInto(rng, 0);
    arrays['trainer.rng'] = rng;
    this.lives.forEach((life, i) => saveLife(arrays, `life${i}`, life));
    return { json: { steps: this.steps, iterations: this.iterations, model: this.model.config }, arrays };
  }

  policy(): Policy {
    const copy = new HistoryModel(this.model.config, new Rng(0));
    copy.loadStateDict(this.model.stateDict());
    return new SequencePolicy(copy, pastOf(this.lives[0], copy.config.context));
  }

  dispose(): void {
    this.model.dispose();
  }

  private load(state: TrainerState): void {
    const json = state.json as { steps?: unknown; iterations?: unknown };
    const rng = state.arrays['trainer.rng'];
    if (typeof json?.steps !== 'number' || !(rng instanceof Uint32Array)) throw new MesalabError('The dt-ppo checkpoint lacks its step count or generator; it was not written by dt-ppo.');
    this.model.loadState(state.arrays);
    this.rng.loadFrom(rng, 0);
    this.lives.forEach((_, i) => (this.lives[i] = loadLife(state.arrays, `life${i}`, this.model.config.observationSize)));
    this.steps = json.steps;
    this.iterations = Number(json.iterations ?? 0);
  }
}

/** The remembered past a trained policy acts after: the last half context of a life, from an episode's start. */
function pastOf(life: Life, context: number): Life {
  let from = Math.max(0, life.length - (context >> 1));
  while (from < life.length && life.kind[from] !== EPISODE_START) from++;
  return life.suffix(Math.min(from, life.length));
}

const LIFE_FIELDS = ['kind', 'phase', 'watched', 'action', 'reward', 'predictedReturn', 'observationRow'] as const;

function saveLife(arrays: Record<string, Float32Array | Int32Array | Uint32Array>, name: string, life: Life): void {
  for (const field of LIFE_FIELDS) arrays[`${name}.${field}`] = life[field].slice(0, life.length);
  let rows = 0;
  for (let p = 0; p < life.length; p++) if (life.kind[p] === OBSERVATION) rows++;
  arrays[`${name}.observations`] = life.observations.slice(0, rows * life.observationSize);
}

function loadLife(arrays: TrainerState['arrays'], name: string, observationSize: number): Life {
  const kind = arrays[`${name}.kind`];
  if (!(kind instanceof Int32Array)) throw new MesalabError(`The dt-ppo checkpoint lacks ${name}; it was not written by dt-ppo.`);
  const whole = new Life(observationSize, Math.max(16, kind.length));
  const field = <T>(f: string) => arrays[`${name}.${f}`] as unknown as T;
  const observations = field<Float32Array>('observations');
  // Rebuild position by position through the life's own writers, so its invariants hold.
  const phases = field<Int32Array>('phase');
  const watched = field<Int32Array>('watched');
  const actions = field<Int32Array>('action');
  const rewards = field<Float32Array>('reward');
  const predicted = field<Float32Array>('predictedReturn');
  const rowsOf = field<Int32Array>('observationRow');
  const phaseName = (p: number) => PHASES[phases[p]];
  for (let p = 0; p < kind.length; p++) {
    const w = watched[p] === 1;
    switch (kind[p]) {
      case OBSERVATION: {
        const r = rowsOf[p];
        whole.observe(observations.subarray(r * observationSize, (r + 1) * observationSize), phaseName(p), w);
        break;
      }
      case RETURN:
        whole.expect(predicted[p], phaseName(p), w);
        break;
      case ACTION:
        whole.rewarded(whole.act(actions[p], phaseName(p), w), rewards[p]);
        break;
      case EPISODE_START:
        whole.episodeStart(phaseName(p), w);
        break;
      case EPISODE_END:
        whole.episodeEnd(phaseName(p), w);
        break;
      default:
        whole.updated(kind[p] === MODIFICATION, phaseName(p), w);
    }
  }
  return whole;
}

// ── The loss ────────────────────────────────────────────────────────────────────────────────────
interface PpoTargets {
  readonly actionOf: Int32Array;
  readonly oldLogProbability: Float32Array;
  readonly advantage: Float32Array;
  readonly valueTarget: Float32Array;
  readonly valueMask: Float32Array;
  readonly rewardTarget: Float32Array;
  readonly rewardMask: Float32Array;
}

function ppoLoss(
  logitsT: import('../nn/tf.js').Tensor,
  valuesT: import('../nn/tf.js').Tensor,
  rewardsT: import('../nn/tf.js').Tensor,
  targets: PpoTargets,
  config: DtPpoConfig,
  stats: { policy: number; entropy: number; value: number; reward: number; clipFraction: number; approxKl: number },
) {
  return jsLoss([logitsT, valuesT, rewardsT], ([logits, values, rewards]) => {
    const n = targets.actionOf.length;
    const gLogits = new Float32Array(n * ACTION_COUNT);
    const gValues = new Float32Array(n);
    const gRewards = new Float32Array(n);
    let acted = 0;
    for (let i = 0; i < n; i++) if (targets.actionOf[i] >= 0) acted++;
    let policy = 0;
    let entropy = 0;
    let clipped = 0;
    let kl = 0;
    const pi = new Float64Array(ACTION_COUNT);
    for (let i = 0; i < n; i++) {
      const a = targets.actionOf[i];
      if (a < 0) continue;
      const base = i * ACTION_COUNT;
      const logSum = logSumExp(logits, base, ACTION_COUNT);
      let h = 0;
      for (let k = 0; k < ACTION_COUNT; k++) {
        pi[k] = Math.exp(logits[base + k] - logSum);
        h -= pi[k] > 0 ? pi[k] * Math.log(pi[k]) : 0;
      }
      const logp = Math.log(pi[a]);
      const ratio = Math.exp(logp - targets.oldLogProbability[i]);
      const adv = targets.advantage[i];
      const unclipped = ratio * adv;
      const clippedRatio = Math.min(1 + config.clipCoef, Math.max(1 - config.clipCoef, ratio));
      // −min(r·A, clip(r)·A): the gradient flows through r only where the unclipped term is the minimum
      const useUnclipped = unclipped <= clippedRatio * adv;
      policy -= Math.min(unclipped, clippedRatio * adv);
      if (Math.abs(ratio - 1) > config.clipCoef) clipped++;
      kl += ratio - 1 - (logp - targets.oldLogProbability[i]);
      entropy += h;
      const dLogp = useUnclipped ? -adv * ratio : 0; // d(−min)/d log π(a)
      for (let k = 0; k < ACTION_COUNT; k++) {
        const logPk = Math.log(Math.max(pi[k], 1e-30));
        const dEntropy = -pi[k] * (logPk + h); // dH/dlogit_k
        gLogits[base + k] = (dLogp * ((k === a ? 1 : 0) - pi[k]) - config.entropyCoef * dEntropy) / acted;
      }
    }
    const value = maskedMeanSquare(values, targets.valueTarget, targets.valueMask, gValues, n, config.valueCoef);
    const reward = maskedMeanSquare(rewards, targets.rewardTarget, targets.rewardMask, gRewards, n, config.rewardCoef);
    stats.policy = policy / Math.max(1, acted);
    stats.entropy = entropy / Math.max(1, acted);
    stats.value = value;
    stats.reward = reward;
    stats.clipFraction = clipped / Math.max(1, acted);
    stats.approxKl = kl / Math.max(1, acted);
    const loss = stats.policy - config.entropyCoef * stats.entropy + config.valueCoef * value + config.rewardCoef * reward;
    return { loss, gradients: [gLogits, gValues, gRewards] };
  });
}

export const dtPpo: Algorithm<DtPpoConfig> = {
  name: 'dt-ppo',
  summary: 'PPO on the history model (a causal transformer acting Decision-Transformer style in its own life), pretrained on fictitious histories or fresh',
  defaults: DT_PPO_DEFAULTS,
  async create(setup, config, state) {
    await loadTf();
    return new DtPpoTrainer(setup, state ? config : await resolvePretrained(config, setup), state);
  },
  async loadPolicy(setup, config, state) {
    await loadTf();
    checkActions(setup);
    const trainer = new DtPpoTrainer(setup, config, state);
    const policy = trainer.policy();
    trainer.dispose();
    return policy;
  },
};
