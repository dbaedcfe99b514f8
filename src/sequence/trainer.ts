/**
 * Training the history model by next-event prediction: Adam with gradient clipping, a linear warm-up
 * then cosine decay of the learning rate to a tenth, windows sampled from a seeded generator. The
 * trainer's whole state (weights, Adam's moments, the sampler's generator, the step) saves into a
 * checkpoint, so a stopped run resumes where it stopped.
 */
import { MesalabError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { TokenSequence } from '../histories/tokens.js';
import { tfSync } from '../nn/tf.js';
import type { TrainerState } from '../train/types.js';
import { allocateBatch, sampleBatch, type WindowBatch } from './batch.js';
import { historyLoss, type LossParts } from './loss.js';
import { HistoryModel, TOKEN_FEATURES, type HistoryModelConfig } from './model.js';

export interface SequenceTrainConfig {
  readonly dim: number;
  readonly heads: number;
  readonly layers: number;
  readonly context: number;
  /** Zero the phase and oversight features: the baseline that ignores them. */
  readonly blind: boolean;
  readonly batch: number;
  readonly steps: number;
  readonly lr: number;
  readonly warmup: number;
  readonly maxGradNorm: number;
  readonly seed: number;
}

/** The documented default size: about 25 minutes on one core of a laptop-class CPU. */
export const DEFAULT_SEQUENCE_CONFIG: SequenceTrainConfig = {
  dim: 64,
  heads: 4,
  layers: 2,
  context: 192,
  blind: false,
  batch: 16,
  steps: 3000,
  lr: 1e-3,
  warmup: 100,
  maxGradNorm: 1,
  seed: 0,
};

/** `--small`: learns something measurable in a couple of minutes (tests, demos). */
export const SMALL_SEQUENCE_CONFIG: SequenceTrainConfig = {
  ...DEFAULT_SEQUENCE_CONFIG,
  dim: 32,
  heads: 2,
  layers: 1,
  context: 96,
  batch: 8,
  steps: 3000,
  lr: 2e-3,
  warmup: 20,
};

export function validateSequenceConfig(config: SequenceTrainConfig): void {
  const problems: string[] = [];
  const positive = (name: keyof SequenceTrainConfig): void => {
    const v = config[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.push(`${name} must be a positive integer (got ${String(v)})`);
  };
  for (const name of ['dim', 'heads', 'layers', 'context', 'batch', 'steps'] as const) positive(name);
  if (config.dim % config.heads !== 0) problems.push(`dim ${config.dim} must be divisible by heads ${config.heads}`);
  if (!(config.lr > 0)) problems.push(`lr must be positive (got ${config.lr})`);
  if (!(config.maxGradNorm > 0)) problems.push(`maxGradNorm must be positive (got ${config.maxGradNorm})`);
  if (!Number.isInteger(config.warmup) || config.warmup < 0) problems.push(`warmup must be a non-negative integer (got ${config.warmup})`);
  if (problems.length > 0) throw new MesalabError(`Invalid sequence-model settings: ${problems.join('; ')}.`);
}

export function modelConfig(config: SequenceTrainConfig, observationSize: number): HistoryModelConfig {
  return { dim: config.dim, heads: config.heads, layers: config.layers, context: config.context, observationSize, blind: config.blind };
}

/** The learning rate at update `step` (0-based): linear warm-up, then cosine decay to a tenth. */
export function learningRate(config: SequenceTrainConfig, step: number): number {
  if (step < config.warmup) return (config.lr * (step + 1)) / config.warmup;
  const progress = Math.min(1, (step - config.warmup) / Math.max(1, config.steps - config.warmup));
  return config.lr * (0.1 + 0.45 * (1 + Math.cos(Math.PI * progress)));
}

export interface SequenceStepReport extends LossParts {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly gradNorm: number;
}

export class SequenceTrainer {
  readonly config: SequenceTrainConfig;
  readonly model: HistoryModel;
  private readonly sequences: readonly TokenSequence[];
  private readonly batch: WindowBatch;
  private readonly rng: Rng;
  private count = 0;

  constructor(config: SequenceTrainConfig, sequences: readonly TokenSequence[], state?: TrainerState) {
    validateSequenceConfig(config);
    if (sequences.length === 0) throw new MesalabError('No histories to train on: generate some with "mesalab histories generate".');
    this.config = config;
    this.sequences = sequences;
    const observationSize = sequences[0].observationSize;
    const rng = new Rng(config.seed);
    this.model = new HistoryModel(modelConfig(config, observationSize), rng.fork());
    this.rng = rng.fork();
    this.batch = allocateBatch(config.batch, config.context, observationSize);
    if (state) this.load(state);
  }

  get steps(): number {
    return this.count;
  }

  /** One update on a fresh batch of windows. */
  step(): SequenceStepReport {
    const tf = tfSync();
    sampleBatch(this.batch, this.sequences, this.rng, this.config.blind);
    const { batch, time, observationSize } = this.batch;
    const lr = learningRate(this.config, this.count);
    const parts: LossParts = { action: 0, predictedReturn: 0, reward: 0 };
    const tokens = tf.tensor(this.batch.tokens, [batch, time, TOKEN_FEATURES]);
    const observations = tf.tensor(this.batch.observations, [batch, time, observationSize]);
    try {
      const result = this.model.update(() => historyLoss(this.model.forward(tokens, observations), this.batch, parts), lr, this.config.maxGradNorm);
      this.count++;
      return { step: this.count, loss: result.loss, lr, gradNorm: result.gradNorm, ...parts };
    } finally {
      tokens.dispose();
      observations.dispose();
    }
  }

  save(): TrainerState {
    const sampler = new Uint32Array(4);
    this.rng.saveInto(sampler, 0);
    return { json: { step: this.count }, arrays: { ...this.model.state(), 'sampler.rng': sampler } };
  }

  dispose(): void {
    this.model.dispose();
  }

  private load(state: TrainerState): void {
    const json = state.json as { step?: unknown };
    const sampler = state.arrays['sampler.rng'];
    if (typeof json?.step !== 'number' || !(sampler instanceof Uint32Array) || sampler.length !== 4) {
      throw new MesalabError('The sequence-model checkpoint lacks its step or sampler state; it was not written by this trainer. Start a fresh run.');
    }
    this.model.loadState(state.arrays);
    this.rng.loadFrom(sampler, 0);
    this.count = json.step;
  }
}
