/**
 * A sequence run: the history model trained on a histories file, in a directory of its own like a
 * training run's: `run.json` (what was asked, how far it got), `metrics.jsonl` (one line per logged
 * step), `checkpoint.bin` (the full trainer state, written every few minutes, at the end and when
 * stopped) and, once finished, `evaluation.json` (the held-out metrics). The last tenth of the
 * histories (by index) is held out; the model never trains on it. A resumed run continues exactly as
 * the unbroken run would have.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MesalabError, UsageError } from '../core/errors.js';
import { readHistoryFile, tokenize, type History, type HistoryFileHeader } from '../histories/index.js';
import type { TokenSequence } from '../histories/tokens.js';
import { loadTf } from '../nn/tf.js';
import { writeCheckpoint } from '../train/checkpoint.js';
import { MetricsLog } from '../train/metrics.js';
import { scorePredictions, type SequenceMetrics } from './metrics.js';
import { predictSequences } from './predict.js';
import { readSequenceCheckpoint, SEQUENCE_CHECKPOINT, type SequenceCheckpointConfig } from './saved.js';
import { SequenceTrainer, validateSequenceConfig, type SequenceStepReport, type SequenceTrainConfig } from './trainer.js';

export const SEQUENCE_RUN_FILE = 'run.json';
export const SEQUENCE_METRICS_FILE = 'metrics.jsonl';
export const EVALUATION_FILE = 'evaluation.json';
export const VALIDATION_FRACTION = 0.1;
/** Steps between metrics lines. */
export const LOG_EVERY = 25;

export interface SequenceRunRecord {
  readonly kind: 'history-model';
  readonly training: SequenceTrainConfig;
  readonly histories: string;
  status: 'running' | 'finished' | 'interrupted';
  steps: number;
  tokens: number;
  elapsedSeconds: number;
  started: string;
  updated: string;
}

export interface SequenceProgress {
  readonly steps: number;
  readonly budget: number;
  readonly elapsedSeconds: number;
  readonly report: SequenceStepReport;
}

export interface SequenceRunOptions {
  readonly dir: string;
  readonly checkpointSeconds?: number;
  readonly onProgress?: (p: SequenceProgress) => void;
  readonly shouldStop?: () => boolean;
}

export interface SequenceEvaluation {
  /** Histories held out, by agent type. */
  readonly heldOut: Readonly<Record<string, number>>;
  readonly metrics: SequenceMetrics;
}

export interface SequenceRunResult {
  readonly dir: string;
  readonly status: SequenceRunRecord['status'];
  readonly steps: number;
  readonly tokensPerSecond: number;
  readonly evaluation?: SequenceEvaluation;
}

/** The histories split into training and held-out sets (the last tenth by index, at least one). */
export function splitHistories(histories: readonly History[], fraction = VALIDATION_FRACTION): { train: History[]; heldOut: History[] } {
  const held = Math.max(1, Math.round(histories.length * fraction));
  if (histories.length < 2) throw new UsageError(`A sequence run needs at least 2 histories (one is held out); the file has ${histories.length}.`);
  return { train: histories.slice(0, histories.length - held), heldOut: histories.slice(histories.length - held) };
}

function writeJson(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  renameSync(temporary, path);
}

function loadHistories(path: string): { header: HistoryFileHeader; train: TokenSequence[]; heldOut: History[] } {
  const file = readHistoryFile(path);
  const { train, heldOut } = splitHistories(file.histories);
  return { header: file.header, train: train.map(tokenize), heldOut };
}

/** Score a model on held-out histories, per agent type and phase, with the turn's accuracy. */
export function evaluateModel(model: SequenceTrainer['model'], histories: readonly History[]): SequenceEvaluation {
  const sequences = histories.map(tokenize);
  const predictions = predictSequences(model, sequences);
  const heldOut: Record<string, number> = {};
  for (const h of histories) heldOut[h.agent] = (heldOut[h.agent] ?? 0) + 1;
  return { heldOut, metrics: scorePredictions(sequences, predictions, histories.map((h) => h.agent)) };
}

export async function startSequenceRun(historiesPath: string, training: SequenceTrainConfig, options: SequenceRunOptions): Promise<SequenceRunResult> {
  validateSequenceConfig(training);
  if (existsSync(join(options.dir, SEQUENCE_RUN_FILE))) {
    throw new UsageError(`${options.dir} already holds a sequence run. Continue it with --resume ${options.dir}, or choose another --out.`);
  }
  await loadTf();
  const histories = resolve(historiesPath);
  const data = loadHistories(histories);
  mkdirSync(options.dir, { recursive: true });
  const now = new Date().toISOString();
  const record: SequenceRunRecord = { kind: 'history-model', training, histories, status: 'running', steps: 0, tokens: 0, elapsedSeconds: 0, started: now, updated: now };
  writeJson(join(options.dir, SEQUENCE_RUN_FILE), record);
  const trainer = new SequenceTrainer(training, data.train);
  const config: SequenceCheckpointConfig = {
    kind: 'history-model',
    training,
    observationSize: data.train[0].observationSize,
    histories,
    historiesHeader: data.header,
    validationFraction: VALIDATION_FRACTION,
  };
  return loop(trainer, config, record, data.heldOut, MetricsLog.create(join(options.dir, SEQUENCE_METRICS_FILE)), options);
}

export async function resumeSequenceRun(dir: string, options: Omit<SequenceRunOptions, 'dir'>): Promise<SequenceRunResult> {
  const recordPath = join(dir, SEQUENCE_RUN_FILE);
  if (!existsSync(recordPath)) throw new UsageError(`${dir} is not a sequence run directory (no ${SEQUENCE_RUN_FILE}). Pass the --out directory of a "mesalab sequence train" run.`);
  if (!existsSync(join(dir, SEQUENCE_CHECKPOINT))) {
    throw new UsageError(`${dir} has no ${SEQUENCE_CHECKPOINT} yet (it stopped before its first checkpoint); start it again with the same command instead of --resume.`);
  }
  await loadTf();
  const record = JSON.parse(readFileSync(recordPath, 'utf8')) as SequenceRunRecord;
  const { config, state } = readSequenceCheckpoint(dir);
  const data = loadHistories(config.histories);
  if (JSON.stringify(data.header) !== JSON.stringify(config.historiesHeader)) {
    throw new MesalabError(`${config.histories} is no longer the histories file this run trained on (its header changed). Restore it, or start a new run.`);
  }
  const trainer = new SequenceTrainer(config.training, data.train, state);
  const steps = trainer.steps;
  record.status = 'running';
  return loop(trainer, config, record, data.heldOut, MetricsLog.reopen(join(dir, SEQUENCE_METRICS_FILE), Math.floor(steps / LOG_EVERY)), { ...options, dir });
}

async function loop(
  trainer: SequenceTrainer,
  config: SequenceCheckpointConfig,
  record: SequenceRunRecord,
  heldOut: readonly History[],
  log: MetricsLog,
  options: SequenceRunOptions,
): Promise<SequenceRunResult> {
  const { training } = config;
  const tokensPerStep = training.batch * training.context;
  const checkpointEvery = (options.checkpointSeconds ?? 180) * 1000;
  const started = Date.now();
  const elapsedBefore = record.elapsedSeconds;
  const elapsed = () => elapsedBefore + (Date.now() - started) / 1000;
  let lastCheckpoint = started;
  let lastYield = started;
  const checkpoint = () => {
    writeCheckpoint(join(options.dir, SEQUENCE_CHECKPOINT), config, trainer.save());
    record.steps = trainer.steps;
    record.tokens = trainer.steps * tokensPerStep;
    record.elapsedSeconds = elapsed();
    record.updated = new Date().toISOString();
    writeJson(join(options.dir, SEQUENCE_RUN_FILE), record);
    lastCheckpoint = Date.now();
  };
  let status: SequenceRunRecord['status'] = 'finished';
  const stepsBefore = trainer.steps;
  try {
    while (trainer.steps < training.steps) {
      if (Date.now() - lastYield >= 50) {
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
      if (options.shouldStop?.()) {
        status = 'interrupted';
        break;
      }
      const report = trainer.step();
      if (report.step % LOG_EVERY === 0) {
        log.append({ step: report.step, tokens: report.step * tokensPerStep, loss: report.loss, action: report.action, predictedReturn: report.predictedReturn, reward: report.reward, lr: report.lr, gradNorm: report.gradNorm });
      }
      options.onProgress?.({ steps: report.step, budget: training.steps, elapsedSeconds: elapsed(), report });
      if (Date.now() - lastCheckpoint >= checkpointEvery) checkpoint();
    }
    checkpoint();
  } finally {
    log.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const tokensPerSecond = ((trainer.steps - stepsBefore) * tokensPerStep) / Math.max(seconds, 1e-9);
  let evaluation: SequenceEvaluation | undefined;
  if (status === 'finished') {
    evaluation = evaluateModel(trainer.model, heldOut);
    writeJson(join(options.dir, EVALUATION_FILE), evaluation);
  }
  record.status = status;
  writeJson(join(options.dir, SEQUENCE_RUN_FILE), record);
  trainer.dispose();
  return { dir: options.dir, status, steps: trainer.steps, tokensPerSecond, ...(evaluation ? { evaluation } : {}) };
}
