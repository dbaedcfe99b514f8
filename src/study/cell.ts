/**
 * One cell of a study (environment × agent × base optimizer × seed), as a worker process runs it:
 * train in the cell's run directory (or continue from its checkpoint), logging metrics into the run
 * store, then evaluate the trained agent on every split with seeded episodes and record each episode
 * and its trajectory, one transaction per split. Every step is idempotent, so a cell killed anywhere
 * runs again to the same result: training resumes from the checkpoint, and splits already recorded
 * in full are skipped.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Interrupted, MesalabError } from '../core/errors.js';
import type { Params } from '../engine/knobs.js';
import type { EnvSpec } from '../engine/spec.js';
import { getAudit } from '../audits/index.js';
import { getEnvSpec } from '../registry.js';
import { openStore, type Store } from '../store/store.js';
import type { EpisodeInput, MetricsRow, Run } from '../store/types.js';
import { EVAL_SEED_BASE, evaluatePolicy, loadRunPolicy, type EpisodeRecord } from '../train/evaluate.js';
import { CHECKPOINT_FILE, METRICS_FILE, RUN_FILE, readRunRecord, resumeRun, setupFor, startRun, type Progress, type RunConfig, type RunResult } from '../train/run.js';
import type { Policy } from '../train/types.js';
import { auditName, auditSplits, knobPairs, readStoredStudy, type EnvironmentPlan, type StudySpec } from './schema.js';
import { TrajectoryRecorder } from './trace.js';

/** What a cell tells the study runner as it goes. */
export type CellMessage =
  | { readonly kind: 'training'; readonly steps: number; readonly budget: number; readonly resumed: boolean }
  | { readonly kind: 'preparing'; readonly message: string }
  | {
      readonly kind: 'progress';
      readonly steps: number;
      readonly budget: number;
      readonly return: number | null;
      readonly performance: number | null;
      readonly stepsPerSecond: number;
    }
  | { readonly kind: 'evaluating'; readonly split: string; readonly index: number; readonly of: number }
  | { readonly kind: 'auditing'; readonly audit: string; readonly index: number; readonly of: number };

export type CellOutcome = 'finished' | 'stopped';

export interface CellOptions {
  readonly db: string;
  readonly runId: number;
  readonly post?: (message: CellMessage) => void;
  /** Checked between iterations and between splits: when true, the cell saves and stops. */
  readonly shouldStop?: () => boolean;
  /** Seconds between periodic checkpoints. */
  readonly checkpointSeconds?: number;
}

/** How often progress goes to the runner and metrics to the store. */
const POST_MS = 250;
const FLUSH_MS = 1000;
export const CELL_CHECKPOINT_SECONDS = 30;

export async function runCell(options: CellOptions): Promise<CellOutcome> {
  const store = openStore(options.db);
  try {
    const found = store.run(options.runId);
    if (found === undefined) throw new MesalabError(`No run ${options.runId} in ${store.path}.`);
    if (found.studyId === null || found.runDir === null) throw new MesalabError(`Run ${found.id} is not a study cell (it has no study or no run directory).`);
    const study = store.study(found.studyId);
    if (study === undefined) throw new MesalabError(`No study "${found.studyId}" in ${store.path}.`);
    const spec = readStoredStudy(study);
    const plan = spec.environments.find((e) => e.name === found.env);
    if (plan === undefined) throw new MesalabError(`Run ${found.id} is a cell on ${found.env}, an environment study ${study.id} does not name.`);
    const dir = found.runDir;
    mkdirSync(dir, { recursive: true });
    const release = lockDirectory(dir);
    // Read again under the lock: a process that held it may have finished the cell meanwhile.
    const run = store.run(found.id)!;
    try {
      if (run.status === 'finished') return 'finished';
      store.setRunStatus(run.id, 'running');
      return await trainAndEvaluate(store, run, spec, plan, dir, options);
    } catch (error) {
      // Stopped while preparing (pretraining) is a stop like any other: the cell starts again next time.
      if (error instanceof Interrupted) {
        store.setRunStatus(run.id, 'pending');
        return 'stopped';
      }
      store.setRunStatus(run.id, 'failed');
      throw error;
    } finally {
      release();
    }
  } finally {
    store.close();
  }
}

async function trainAndEvaluate(store: Store, run: Run, spec: StudySpec, plan: EnvironmentPlan, dir: string, options: CellOptions): Promise<CellOutcome> {
  const config = run.config as unknown as RunConfig;
  const stop = options.shouldStop ?? (() => false);
  const post = options.post ?? (() => undefined);
  const trained = await train(store, run, config, dir, spec.environments.length > 1, options);
  if (trained.status !== 'finished') {
    store.setRunStatus(run.id, 'pending', trained.steps);
    return 'stopped';
  }
  recordCheckpoint(store, run.id, dir);

  const { policy } = await loadRunPolicy(dir);
  try {
    const splits = plan.evaluate.splits;
    for (let i = 0; i < splits.length; i++) {
      if (stop()) {
        store.setRunStatus(run.id, 'pending', trained.steps);
        return 'stopped';
      }
      if (store.episodes(run.id, splits[i]).length === plan.evaluate.episodes) continue;
      post({ kind: 'evaluating', split: splits[i], index: i, of: splits.length });
      store.recordEpisodes(run.id, evaluateSplit(policy, config, spec, plan, splits[i]));
    }
    // The study's audits that suit this environment, each once: a cell resumed after one was stored skips it.
    const envSpec = getEnvSpec(run.env);
    const audits = spec.audits.filter((entry) => auditName(entry) !== 'evaluation' && getAudit(auditName(entry)).unavailable(envSpec) === undefined);
    for (let i = 0; i < audits.length; i++) {
      if (stop()) {
        store.setRunStatus(run.id, 'pending', trained.steps);
        return 'stopped';
      }
      const name = auditName(audits[i]);
      if (store.audits({ runId: run.id }).some((a) => a.kind === name)) continue;
      post({ kind: 'auditing', audit: name, index: i, of: audits.length });
      const result = await getAudit(name).run(
        { config, policy, spec: envSpec, label: `run ${run.id}` },
        { set: knobPairs(plan.evaluate.set), splits: plan.evaluate.splits, episodes: plan.evaluate.episodes, seed: EVAL_SEED_BASE, ...auditSplits(audits[i]) },
      );
      store.recordAudit({ studyId: run.studyId!, runId: run.id, kind: result.audit, result });
    }
  } finally {
    policy.dispose?.();
  }
  store.setRunStatus(run.id, 'finished', trained.steps);
  return 'finished';
}

/**
 * Train from scratch, continue from the checkpoint, or (already trained) just read how far it got.
 * `several`: the study has several environments, so a cell is named with its environment too.
 */
async function train(store: Store, run: Run, config: RunConfig, dir: string, several: boolean, options: CellOptions): Promise<{ status: string; steps: number }> {
  const post = options.post ?? (() => undefined);
  const hasRecord = existsSync(join(dir, RUN_FILE));
  if (hasRecord) {
    const record = readRunRecord(dir);
    if (canonical(record.config) !== canonical(config)) {
      const cell = `${run.agent} seed ${run.seed}${several ? ` on ${run.env}` : ''}`;
      throw new MesalabError(`${dir} holds a different run than cell ${cell} of study ${run.studyId} (its run.json differs). Move that folder away, or run the study with --fresh.`);
    }
    if (record.status === 'finished' && existsSync(join(dir, CHECKPOINT_FILE))) return { status: 'finished', steps: record.steps };
  }
  const buffer: MetricsRow[] = [];
  let lastFlush = Date.now();
  let lastPost = 0;
  let lastReturn: number | null = null;
  let lastPerformance: number | null = null;
  let firstSteps = -1;
  let firstTime = 0;
  const flush = (steps: number) => {
    if (buffer.length > 0) store.appendMetrics(run.id, buffer.splice(0));
    store.setRunStatus(run.id, 'running', steps);
    lastFlush = Date.now();
  };
  const onProgress = (p: Progress) => {
    buffer.push({ step: p.steps, values: { iteration: p.iteration, ...p.metrics, wall_s: Math.round(p.elapsedSeconds * 1000) / 1000 } });
    if (Number.isFinite(p.metrics.return)) lastReturn = p.metrics.return;
    if (Number.isFinite(p.metrics.performance)) lastPerformance = p.metrics.performance;
    const now = Date.now();
    if (firstSteps < 0) {
      firstSteps = p.steps;
      firstTime = now;
    }
    if (now - lastFlush >= FLUSH_MS) flush(p.steps);
    if (now - lastPost >= POST_MS || p.steps >= p.budget) {
      lastPost = now;
      // Speed over this session's iterations after the first, which includes start-up work.
      const rate = now > firstTime ? ((p.steps - firstSteps) * 1000) / (now - firstTime) : 0;
      post({ kind: 'progress', steps: p.steps, budget: p.budget, return: lastReturn, performance: lastPerformance, stepsPerSecond: rate });
    }
  };
  const common = {
    checkpointSeconds: options.checkpointSeconds ?? CELL_CHECKPOINT_SECONDS,
    onProgress,
    shouldStop: options.shouldStop,
    onNotice: (message: string) => post({ kind: 'preparing', message }),
  };
  let result: RunResult;
  if (hasRecord && existsSync(join(dir, CHECKPOINT_FILE))) {
    const record = readRunRecord(dir);
    post({ kind: 'training', steps: record.steps, budget: config.steps, resumed: true });
    result = await resumeRun(dir, common);
  } else {
    // Killed before its first checkpoint: nothing to continue from, so start the cell again.
    for (const file of [RUN_FILE, METRICS_FILE]) rmSync(join(dir, file), { force: true });
    post({ kind: 'training', steps: 0, budget: config.steps, resumed: false });
    result = await startRun(config, { ...common, dir });
  }
  flush(result.steps);
  return { status: result.status, steps: result.steps };
}

/** The final checkpoint as an artifact, once (a cell resumed after training records nothing new). */
function recordCheckpoint(store: Store, runId: number, dir: string): void {
  const path = join(dir, CHECKPOINT_FILE);
  const existing = store.artifacts(runId).filter((a) => a.kind === 'checkpoint' && a.path === path);
  if (existing.length > 0) return;
  store.recordArtifact({ runId, kind: 'checkpoint', path });
}

/** Seeded episodes on one split, with their trajectories: every episode's actions and cells, the first few's frames. */
function evaluateSplit(policy: Policy, config: RunConfig, spec: StudySpec, plan: EnvironmentPlan, split: string): EpisodeInput[] {
  const set = knobPairs(plan.evaluate.set);
  const { spec: envSpec, setup } = setupFor(config, split, set);
  const recorder = new TrajectoryRecorder(envSpec.observationShape(setup.params));
  const { episodes } = evaluatePolicy(policy, config, {
    split,
    set,
    episodes: plan.evaluate.episodes,
    seed: EVAL_SEED_BASE,
    show: spec.report.replays,
    trace: recorder,
  });
  return episodes.map((episode, e) => ({
    split,
    seed: episode.seed,
    oversight: oversightOf(envSpec, episode),
    return: episode.return,
    performance: episode.performance,
    length: episode.steps,
    objectives: episode.objectives,
    trajectory: {
      actions: recorder.actions[e],
      ...(episode.frames === undefined ? {} : { frames: episode.frames }),
      ...(spec.report.heatmaps && recorder.seesAgent ? { cells: recorder.cells[e] } : {}),
    },
  }));
}

function oversightOf(spec: EnvSpec<Params>, episode: EpisodeRecord): EpisodeInput['oversight'] {
  if (spec.oversightKnob === undefined) return 'none';
  return episode.watched ? 'watched' : 'unwatched';
}

const canonical = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1))) : v));

/**
 * Hold the run directory for this process: a `.lock` file with its pid. A cell orphaned by a killed
 * runner may still be saving its checkpoint when the study is run again; the new one waits for it.
 * A lock left by a process that no longer exists is taken over.
 */
function lockDirectory(dir: string, waitMs = 120_000): () => void {
  const path = join(dir, '.lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSafe(path));
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new MesalabError(`${dir} is still held by process ${holder} after ${waitMs / 1000} s; stop that process, or remove ${path} if it is gone.`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
