/**
 * Running a study: every cell (environment × agent × base optimizer × seed) in its own worker
 * process, at most `workers` at once, with the results in the run store. A study is known by its
 * name and the hash of its validated definition: run the same study again and the newest one with
 * that hash is taken up where it stopped (finished cells skipped, interrupted ones continued from
 * their checkpoints), or, if it finished, its results are printed again and its report rewritten.
 * `fresh` starts a new one instead. At the end: the result tables and the report's path.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessPool, type ProcessOutcome } from '../core/processes.js';
import { MesalabError, UsageError } from '../core/errors.js';
import { writeReport } from '../report/write.js';
import { openStore, storePath, type Store } from '../store/store.js';
import type { Run, Study, StudyStatus } from '../store/types.js';
import type { CellMessage } from './cell.js';
import { cellDirectory, defaultStudiesRoot, REPORT_FILE, studyFolder } from './paths.js';
import { formatPooledAudits, pooledAudits, worthPooling } from './pooled.js';
import { StudyProgress, cellName, clock, type CellEnd } from './progress.js';
import { buildReportData } from './report-data.js';
import { formatAudits, formatOutcomes, studyAudits, studyOutcomes } from './results.js';
import { cellConfig, studyHash, studyRecord, type StudySpec } from './schema.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

export interface RunStudyOptions {
  /** The run store (default: $MESALAB_DB or mesalab-runs/mesalab.db). */
  readonly db?: string;
  /** Cells trained at once (default 2: one per core). */
  readonly workers?: number;
  /** The folder for studies' folders (default: `studies` beside the store). */
  readonly out?: string;
  /** Start a new study even if one with the same definition exists. */
  readonly fresh?: boolean;
  /** The command that runs this study again, for the "resume with" hint. */
  readonly again: string;
  readonly print: (text: string) => void;
  /** Where progress goes (default stderr). */
  readonly progress?: NodeJS.WriteStream;
  /** Aborting stops the study: cells checkpoint, and the study is marked interrupted. */
  readonly signal?: AbortSignal;
}

export interface StudyOutcome {
  readonly studyId: string;
  readonly status: StudyStatus;
  /** The report written, once the study has finished. */
  readonly reportPath?: string;
  /** 0 finished, 130 interrupted, 1 a cell failed. */
  readonly exitCode: number;
}

/** One cell to run: an agent of the study on one environment with one seed, as its run in the store. */
export interface Cell {
  readonly env: string;
  readonly agent: string;
  readonly seed: number;
  readonly runId: number;
}

export async function runStudy(study: StudySpec, options: RunStudyOptions): Promise<StudyOutcome> {
  if (storePath(options.db) === ':memory:') throw new UsageError('A study needs a run store on disk (its cells run in other processes); pass --db PATH.');
  const store = openStore(options.db);
  try {
    return await runInStore(store, study, options);
  } finally {
    store.close();
  }
}

async function runInStore(store: Store, study: StudySpec, options: RunStudyOptions): Promise<StudyOutcome> {
  const print = options.print;
  const several = study.environments.length > 1;
  const found = options.fresh === true ? undefined : newestWithHash(store, study);
  if (found?.status === 'finished') {
    print(`Study ${found.id} "${study.name}" has finished already (${found.finishedCells}/${found.cells} cells); here are its results again. Run it with --fresh to start a new one.\n`);
    return finish(store, found.id, study, options);
  }
  let studyId: string;
  let folder: string;
  if (found !== undefined) {
    studyId = found.id;
    folder = studyFolder(store, studyId);
    store.setStudyStatus(studyId, 'running');
    print(`Resuming study ${studyId} "${study.name}": ${found.finishedCells} of ${found.cells} cells finished.`);
  } else {
    studyId = store.createStudy(study.name, studyRecord(study));
    folder = unusedFolder(join(options.out ?? defaultStudiesRoot(store), studyId));
    const agents = study.agents.map((a) => a.label).join(', ');
    const envs = study.environments.map((e) => e.name).join(', ');
    print(
      several
        ? `Study ${studyId} "${study.name}": ${enumerateCells(study).length} cells (${envs} × ${agents} × seeds ${study.seeds.join(', ')}).`
        : `Study ${studyId} "${study.name}": ${enumerateCells(study).length} cells (${agents} × seeds ${study.seeds.join(', ')}) on ${envs}.`,
    );
  }
  print(`Run store ${store.path} · run directories in ${folder}`);
  const cells = enumerateCells(study).map(({ env, agent, seed }): Cell => {
    const plan = study.environments.find((e) => e.name === env)!;
    const spec = study.agents.find((a) => a.label === agent)!;
    const runId = store.upsertRun({
      studyId,
      env,
      trainSplit: plan.train.split,
      algo: spec.algo,
      agent,
      seed,
      config: cellConfig(plan, spec, seed),
      runDir: cellDirectory(folder, { env, agent, seed }, several),
    });
    return { env, agent, seed, runId };
  });
  const runs = new Map<number, Run>(store.listRuns(studyId).map((r) => [r.id, r]));
  const todo = cells.filter((c) => runs.get(c.runId)?.status !== 'finished');
  const budget = (c: Cell) => study.agents.find((a) => a.label === c.agent)!.steps;
  const view = (c: Cell) => ({ ...(several ? { env: c.env } : {}), agent: c.agent, seed: c.seed, budget: budget(c), steps: Math.min(budget(c), runs.get(c.runId)?.steps ?? 0) });

  const stream = options.progress ?? process.stderr;
  const progress = new StudyProgress(stream, `${study.name} ${studyId}`, cells.length, cells.length - todo.length, todo.map(view));
  const ends = new Map<number, CellEnd>();
  const failures: Array<{ cell: Cell; stderr: string }> = [];
  const pool = new ProcessPool<Cell>({
    workers: options.workers ?? 2,
    command: (cell) => ({ script: WORKER, args: [store.path, String(cell.runId)] }),
    onStart: (cell) => progress.cellStarted(cell.runId, view(cell)),
    onMessage: (cell, message) => progress.cellMessage(cell.runId, message as CellMessage),
    onExit: (cell, outcome: ProcessOutcome) => {
      const end: CellEnd = outcome.code === 0 ? 'finished' : outcome.code === 130 ? 'stopped' : 'failed';
      ends.set(cell.runId, end);
      if (end === 'failed') failures.push({ cell, stderr: outcome.stderr.trim() || `exit ${outcome.code ?? outcome.signal}` });
      progress.cellEnded(cell.runId, end);
    },
  });
  let stopping = false;
  const onAbort = () => {
    stopping = true;
    progress.note('Stopping: running cells save a checkpoint and stop (Ctrl-C again to quit at once)…');
    pool.stop({ kind: 'stop' });
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const started = Date.now();
  try {
    if (todo.length > 0 && !stopping) await pool.run(todo);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    progress.done();
  }

  const finishedNow = todo.filter((c) => ends.get(c.runId) === 'finished').length;
  const elapsed = clock((Date.now() - started) / 1000);
  if (failures.length > 0) {
    store.setStudyStatus(studyId, 'failed');
    for (const { cell, stderr } of failures) print(`Cell ${cellName(view(cell))} (run ${cell.runId}) failed:\n${indent(lastLines(stderr, 20))}`);
    print(`\nStudy ${studyId} failed after ${elapsed}: ${failures.length} cell${failures.length === 1 ? '' : 's'} failed, ${finishedNow} finished. Fix the cause, then run it again to retry: ${options.again}`);
    return { studyId, status: 'failed', exitCode: 1 };
  }
  if (finishedNow < todo.length) {
    store.setStudyStatus(studyId, 'interrupted');
    const done = cells.length - todo.length + finishedNow;
    print(`\nStudy ${studyId} stopped after ${elapsed} with ${done} of ${cells.length} cells finished; the others continue from their checkpoints.\nResume with: ${options.again}`);
    return { studyId, status: 'interrupted', exitCode: 130 };
  }
  store.setStudyStatus(studyId, 'finished');
  print(`\nStudy ${studyId} finished: ${cells.length} cells${todo.length > 0 ? ` (${todo.length} run now, in ${elapsed})` : ''}.\n`);
  return finish(store, studyId, study, options);
}

/** Print the result tables, the audits (per cell, then pooled over seeds) and write the report. */
function finish(store: Store, studyId: string, study: StudySpec, options: RunStudyOptions): StudyOutcome {
  options.print(formatOutcomes(studyOutcomes(store, studyId, study)));
  const audits = formatAudits(studyAudits(store, studyId, study), study.environments.length > 1);
  if (audits !== '') options.print(audits);
  const pooled = worthPooling(study) ? formatPooledAudits(pooledAudits(store, studyId, study), study.environments.length > 1) : '';
  if (pooled !== '') options.print(pooled);
  const record = store.study(studyId);
  if (record === undefined) throw new MesalabError(`No study "${studyId}" in ${store.path}.`);
  const reportPath = writeReport(buildReportData(store, record), join(studyFolder(store, studyId), REPORT_FILE));
  options.print(`\nReport: ${reportPath}`);
  return { studyId, status: 'finished', reportPath, exitCode: 0 };
}

/** The cells of a study, environment by environment, agent by agent, seed by seed. */
export function enumerateCells(study: StudySpec): Array<{ env: string; agent: string; algo: string; seed: number }> {
  return study.environments.flatMap(({ name: env }) => study.agents.flatMap((agent) => study.seeds.map((seed) => ({ env, agent: agent.label, algo: agent.algo, seed }))));
}

/** The newest study in the store with this name and definition. */
export function newestWithHash(store: Store, study: StudySpec): Study | undefined {
  const hash = studyHash(study);
  return store
    .listStudies()
    .filter((s) => s.name === study.name && studyHash(s.spec) === hash)
    .at(-1);
}

/** `folder`, or `folder-2`, `folder-3` … where a folder of that name is left from a store since deleted. */
function unusedFolder(folder: string): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? folder : `${folder}-${n}`;
    if (!existsSync(candidate)) return candidate;
  }
}

const indent = (text: string): string => text.split('\n').map((l) => `  ${l}`).join('\n');
const lastLines = (text: string, n: number): string => text.split('\n').slice(-n).join('\n');
