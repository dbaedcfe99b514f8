/**
 * The run loop: one base optimizer on one environment and seed, from a fresh start or a checkpoint.
 * A run directory holds `run.json` (what was asked for, and how far it got), `metrics.jsonl` (one
 * line per iteration) and `checkpoint.bin` (the latest full state). Checkpoints are written every
 * few minutes, at the end, and when the run is stopped; a resumed run truncates the metrics to its
 * checkpoint and goes on exactly as the unbroken run would have.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Interrupted, MesalabError, UsageError } from '../core/errors.js';
import { formatParams, type Params } from '../engine/knobs.js';
import type { EnvSpec } from '../engine/spec.js';
import { resolveEnvParams } from '../registry.js';
import { getAlgorithm, resolveAlgorithmConfig } from './algorithms.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { MetricsLog } from './metrics.js';
import type { Metrics, Trainer, TrainSetup } from './types.js';

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const CHECKPOINT_FILE = 'checkpoint.bin';

/** Everything that determines a run's results; stored in run.json and in every checkpoint. */
export interface RunConfig {
  readonly env: string;
  readonly split: string;
  /** Knob overrides as given (`--set`), applied on top of the split. */
  readonly set: ReadonlyArray<readonly [string, string]>;
  readonly algo: string;
  /** The algorithm's full hyperparameters: its defaults with the overrides applied. */
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly seed: number;
  /** Environment steps to train for. */
  readonly steps: number;
  readonly gamma: number;
  /** Reward horizon H for myopic training (0: none). */
  readonly rewardHorizon: number;
}

export type RunStatus = 'running' | 'finished' | 'interrupted';

export interface RunRecord {
  readonly mesalab: string;
  readonly config: RunConfig;
  /** The resolved knob values of the training split, for people reading run.json. */
  readonly params: Readonly<Record<string, string>>;
  status: RunStatus;
  steps: number;
  iterations: number;
  started: string;
  updated: string;
}

interface CheckpointConfig {
  readonly run: RunConfig;
  readonly iterations: number;
  readonly elapsedSeconds: number;
}

export interface Progress {
  readonly iteration: number;
  readonly steps: number;
  readonly budget: number;
  readonly metrics: Metrics;
  readonly elapsedSeconds: number;
}

export interface RunOptions {
  readonly dir: string;
  /** Seconds between periodic checkpoints. */
  readonly checkpointSeconds?: number;
  readonly onProgress?: (progress: Progress) => void;
  /** Checked after every iteration: when true, the run saves and stops. */
  readonly shouldStop?: () => boolean;
  /** What the base optimizer prepares before training (see `TrainSetup.notify`). */
  readonly onNotice?: (message: string) => void;
}

export interface RunResult {
  readonly dir: string;
  readonly status: RunStatus;
  readonly steps: number;
  readonly iterations: number;
  readonly lastMetrics: Metrics | undefined;
}

const VERSION = '0.1.0';

export function setupFor(config: RunConfig, split = config.split, set = config.set): { setup: TrainSetup; spec: EnvSpec<Params> } {
  const { spec, params } = resolveEnvParams(config.env, { split, set });
  return {
    spec,
    setup: { spec, params, split, seed: config.seed, myopia: { gamma: config.gamma, rewardHorizon: config.rewardHorizon }, budget: config.steps },
  };
}

/** Validate a configuration before anything is written: names, hyperparameters, budgets. */
export function checkConfig(config: RunConfig): void {
  const { setup } = setupFor(config);
  const algorithm = getAlgorithm(config.algo);
  if (!Number.isInteger(config.steps) || config.steps < 1) throw new UsageError(`--steps must be a positive integer; got ${config.steps}.`);
  if (!Number.isInteger(config.seed) || config.seed < 0) throw new UsageError(`--seed must be a non-negative integer; got ${config.seed}.`);
  if (!(config.gamma >= 0 && config.gamma <= 1)) throw new UsageError(`--gamma must lie in [0, 1]; got ${config.gamma}.`);
  if (!Number.isInteger(config.rewardHorizon) || config.rewardHorizon < 0) {
    throw new UsageError(`--horizon (the reward horizon) must be an integer ≥ 0; got ${config.rewardHorizon}.`);
  }
  algorithm.check?.(setup, resolveAlgorithmConfig(algorithm, config.hyperparameters));
}

export function readRunRecord(dir: string): RunRecord {
  const path = join(dir, RUN_FILE);
  if (!existsSync(path)) throw new UsageError(`${dir} is not a mesalab run directory (no ${RUN_FILE}). Pass the --out directory of a "mesalab train" run.`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
  } catch (error) {
    throw new MesalabError(`${path} is not valid JSON (${(error as Error).message}); the run's checkpoint.bin still holds its configuration.`);
  }
}

/** Write run.json whole or not at all: a process killed mid-write must not leave it empty (then nothing could resume). */
function writeRecord(dir: string, record: RunRecord): void {
  record.updated = new Date().toISOString();
  const path = join(dir, RUN_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temporary, path);
}

/** Start a new run in `options.dir` (which must not hold one already). */
export async function startRun(config: RunConfig, options: RunOptions): Promise<RunResult> {
  checkConfig(config);
  if (existsSync(join(options.dir, RUN_FILE))) {
    throw new UsageError(`${options.dir} already holds a run. Continue it with --resume ${options.dir}, or choose another --out.`);
  }
  mkdirSync(options.dir, { recursive: true });
  const { setup, spec } = setupFor(config);
  const now = new Date().toISOString();
  const record: RunRecord = {
    mesalab: VERSION,
    config,
    params: formatParams(spec.knobs, setup.params),
    status: 'running',
    steps: 0,
    iterations: 0,
    started: now,
    updated: now,
  };
  writeRecord(options.dir, record);
  const algorithm = getAlgorithm(config.algo);
  let trainer: Trainer;
  try {
    trainer = await algorithm.create({ ...setup, notify: options.onNotice, shouldStop: options.shouldStop }, resolveAlgorithmConfig(algorithm, config.hyperparameters));
  } catch (error) {
    // Stopped while preparing (pretraining): nothing trained yet, so no run is left behind and the same
    // command starts again; the preparation resumes from its own checkpoint.
    if (!(error instanceof Interrupted)) throw error;
    rmSync(join(options.dir, RUN_FILE), { force: true });
    throw error;
  }
  const log = MetricsLog.create(join(options.dir, METRICS_FILE));
  return loop(trainer, record, log, 0, 0, options);
}

/** Continue the run in `dir` from its checkpoint. */
export async function resumeRun(dir: string, options: Omit<RunOptions, 'dir'>): Promise<RunResult> {
  const record = readRunRecord(dir);
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) {
    throw new UsageError(`${dir} has no ${CHECKPOINT_FILE} yet (the run stopped before its first checkpoint); start it again with the same command instead of --resume.`);
  }
  const checkpoint = readCheckpoint<CheckpointConfig>(path);
  const config = checkpoint.config.run;
  const algorithm = getAlgorithm(config.algo);
  const { setup } = setupFor(config);
  const trainer = await algorithm.create({ ...setup, notify: options.onNotice, shouldStop: options.shouldStop }, resolveAlgorithmConfig(algorithm, config.hyperparameters), checkpoint.state);
  // Lines logged after the checkpoint belong to iterations that will now run again.
  const log = MetricsLog.reopen(join(dir, METRICS_FILE), checkpoint.config.iterations);
  record.status = 'running';
  return loop(trainer, record, log, checkpoint.config.iterations, checkpoint.config.elapsedSeconds, { ...options, dir });
}

async function loop(
  trainer: Trainer,
  record: RunRecord,
  log: MetricsLog,
  startIteration: number,
  elapsedBefore: number,
  options: RunOptions,
): Promise<RunResult> {
  const config = record.config;
  const checkpointEvery = (options.checkpointSeconds ?? 180) * 1000;
  const started = Date.now();
  let lastCheckpoint = started;
  let iteration = startIteration;
  let lastMetrics: Metrics | undefined;
  const elapsed = () => elapsedBefore + (Date.now() - started) / 1000;
  const checkpoint = () => {
    const cfg: CheckpointConfig = { run: config, iterations: iteration, elapsedSeconds: elapsed() };
    writeCheckpoint(join(options.dir, CHECKPOINT_FILE), cfg, trainer.save());
    record.steps = trainer.steps;
    record.iterations = iteration;
    writeRecord(options.dir, record);
    lastCheckpoint = Date.now();
  };
  let status: RunStatus = 'finished';
  let lastYield = Date.now();
  try {
    while (trainer.steps < config.steps) {
      // Let signal handlers (Ctrl-C) run: a synchronous loop would never see them.
      if (Date.now() - lastYield >= 50) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = Date.now();
      }
      if (options.shouldStop?.()) {
        status = 'interrupted';
        break;
      }
      const metrics = await trainer.iterate();
      iteration++;
      lastMetrics = metrics;
      log.append({ iteration, steps: trainer.steps, ...metrics, wall_s: round(elapsed()) });
      options.onProgress?.({ iteration, steps: trainer.steps, budget: config.steps, metrics, elapsedSeconds: elapsed() });
      if (Date.now() - lastCheckpoint >= checkpointEvery) checkpoint();
    }
    record.status = status;
    checkpoint();
  } finally {
    log.close();
    trainer.dispose?.();
  }
  return { dir: options.dir, status, steps: trainer.steps, iterations: iteration, lastMetrics };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
