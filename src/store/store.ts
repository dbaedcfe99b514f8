/**
 * The run store: one SQLite file that holds every study, run, metrics row, evaluation episode,
 * trajectory, audit and artifact, so that results are data to query rather than directories to
 * walk. WAL mode lets readers (`mesalab runs`, a report) work while a study writes; each write is
 * one IMMEDIATE transaction, so a process killed at any moment leaves whole batches or nothing, and
 * several processes can write at once (each waits up to BUSY_TIMEOUT_MS for the lock).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { MesalabError, UsageError } from '../core/errors.js';
import { migrate } from './schema.js';
import { decodeTrajectory, encodeTrajectory } from './trajectory.js';
import type {
  Artifact,
  ArtifactInput,
  Audit,
  AuditInput,
  Episode,
  EpisodeInput,
  Json,
  MetricsRow,
  Oversight,
  Run,
  RunInput,
  RunStatus,
  SplitSummary,
  Study,
  StudyStatus,
  Trajectory,
} from './types.js';

export const DEFAULT_STORE_PATH = join('mesalab-runs', 'mesalab.db');
const BUSY_TIMEOUT_MS = 10_000;

/** The store's file: `path` if given, else $MESALAB_DB, else ./mesalab-runs/mesalab.db. */
export function storePath(path?: string): string {
  if (path !== undefined && path !== '') return path;
  const fromEnv = process.env.MESALAB_DB;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_STORE_PATH;
}

export interface OpenOptions {
  /** Refuse to create a store: for commands that only read one. */
  readonly mustExist?: boolean;
}

/** Open (creating its folder and file if needed) and migrate the run store. */
export function openStore(path?: string, options: OpenOptions = {}): Store {
  const file = storePath(path);
  if (options.mustExist === true && file !== ':memory:' && !existsSync(file)) {
    throw new UsageError(`No run store at ${file}: nothing has been stored there yet. Pass --db PATH or set MESALAB_DB to read another store.`);
  }
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // In WAL mode NORMAL loses nothing committed when a process dies; a power cut may drop the
    // last commits, never consistency. FULL would fsync every metrics batch.
    db.pragma('synchronous = NORMAL');
    migrate(db, file);
    return new Store(db, file);
  } catch (error) {
    db?.close();
    throw explainOpenError(error, file);
  }
}

function explainOpenError(error: unknown, file: string): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  if (error.code === 'SQLITE_NOTADB' || error.code.startsWith('SQLITE_CORRUPT')) {
    return new MesalabError(
      `${file} is not a mesalab run store (SQLite says: ${error.message}). Move that file away, or set MESALAB_DB (or --db) to another path.`,
    );
  }
  if (error.code.startsWith('SQLITE_CANTOPEN') || error.code.startsWith('SQLITE_READONLY') || error.code.startsWith('SQLITE_PERM')) {
    return new MesalabError(`Cannot open the run store ${file} (${error.message}). Check that the path names a file in a writable folder, or set MESALAB_DB (or --db) to another path.`);
  }
  if (error.code.startsWith('SQLITE_BUSY')) {
    return new MesalabError(`The run store ${file} stayed locked by another process for ${BUSY_TIMEOUT_MS / 1000} s; try again when it is done.`);
  }
  return error;
}

const now = (): string => new Date().toISOString();

/** Numbers as JSON, with non-finite values (a mean over no episodes: NaN) as null, as metrics.jsonl does. */
const toJson = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) ?? 'null';

interface StudyRow {
  id: string;
  name: string;
  spec: string;
  status: StudyStatus;
  created_at: string;
  finished_at: string | null;
  cells: number;
  finished_cells: number;
}

interface RunRow {
  id: number;
  study_id: string | null;
  env: string;
  train_split: string;
  algo: string;
  agent: string;
  seed: number;
  config: string;
  status: RunStatus;
  steps: number;
  run_dir: string | null;
  created_at: string;
  finished_at: string | null;
}

interface EpisodeRow {
  id: number;
  run_id: number;
  split: string;
  seed: number;
  oversight: Oversight;
  return: number;
  performance: number;
  length: number;
  objectives: string;
}

interface AuditRow {
  id: number;
  study_id: string;
  run_id: number | null;
  kind: string;
  result: string;
  created_at: string;
}

interface ArtifactRow {
  id: number;
  run_id: number;
  kind: string;
  path: string;
  sha256: string;
  bytes: number;
  created_at: string;
}

const studyFrom = (r: StudyRow): Study => ({
  id: r.id,
  name: r.name,
  spec: JSON.parse(r.spec) as Json,
  status: r.status,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  cells: r.cells,
  finishedCells: r.finished_cells,
});

const runFrom = (r: RunRow): Run => ({
  id: r.id,
  studyId: r.study_id,
  env: r.env,
  trainSplit: r.train_split,
  algo: r.algo,
  agent: r.agent,
  seed: r.seed,
  config: JSON.parse(r.config) as Json,
  status: r.status,
  steps: r.steps,
  runDir: r.run_dir,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

const episodeFrom = (r: EpisodeRow): Episode => ({
  id: r.id,
  runId: r.run_id,
  split: r.split,
  seed: r.seed,
  oversight: r.oversight,
  return: r.return,
  performance: r.performance,
  length: r.length,
  objectives: JSON.parse(r.objectives) as Record<string, number>,
});

const auditFrom = (r: AuditRow): Audit => ({ id: r.id, studyId: r.study_id, runId: r.run_id, kind: r.kind, result: JSON.parse(r.result) as Json, createdAt: r.created_at });

const artifactFrom = (r: ArtifactRow): Artifact => ({ id: r.id, runId: r.run_id, kind: r.kind, path: r.path, sha256: r.sha256, bytes: r.bytes, createdAt: r.created_at });

const STUDY_SELECT = `
  SELECT s.*, COUNT(r.id) AS cells, COUNT(r.id) FILTER (WHERE r.status = 'finished') AS finished_cells
  FROM studies s LEFT JOIN runs r ON r.study_id = s.id`;

/** A study or a run, found by the id a person typed. */
export type StoreEntry = { readonly kind: 'study'; readonly study: Study } | { readonly kind: 'run'; readonly run: Run };

export class Store {
  private readonly sql;
  private readonly createStudyTx;
  private readonly upsertRunTx;
  private readonly appendMetricsTx;
  private readonly recordEpisodesTx;

  /** Use `openStore`. */
  constructor(
    private readonly db: Database.Database,
    /** The file this store lives in. */
    readonly path: string,
  ) {
    this.sql = {
      studyIdTaken: db.prepare<[string], number>('SELECT 1 FROM studies WHERE id = ?').pluck(),
      insertStudy: db.prepare<[string, string, string, string]>(`INSERT INTO studies (id, name, spec, status, created_at) VALUES (?, ?, ?, 'running', ?)`),
      setStudyStatus: db.prepare<[StudyStatus, string | null, string]>('UPDATE studies SET status = ?, finished_at = ? WHERE id = ?'),
      study: db.prepare<[string], StudyRow>(`${STUDY_SELECT} WHERE s.id = ? GROUP BY s.id`),
      studies: db.prepare<[], StudyRow>(`${STUDY_SELECT} GROUP BY s.id ORDER BY s.created_at, s.rowid`),

      runByCell: db.prepare<[string | null, string, string, number], number>('SELECT id FROM runs WHERE study_id IS ? AND agent = ? AND env = ? AND seed = ?').pluck(),
      insertRun: db.prepare<[string | null, string, string, string, string, number, string, string | null, string]>(
        'INSERT INTO runs (study_id, env, train_split, algo, agent, seed, config, run_dir, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      setRunStatus: db.prepare<[RunStatus, number | null, string | null, number]>('UPDATE runs SET status = ?, steps = coalesce(?, steps), finished_at = ? WHERE id = ?'),
      run: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
      allRuns: db.prepare<[], RunRow>('SELECT * FROM runs ORDER BY id'),
      runsOfStudy: db.prepare<[string | null], RunRow>('SELECT * FROM runs WHERE study_id IS ? ORDER BY id'),

      // Replacing a stored step keeps a resumed run from duplicating the rows it logs again.
      putMetrics: db.prepare<[number, number, string]>('INSERT INTO metrics (run_id, step, data) VALUES (?, ?, ?) ON CONFLICT (run_id, step) DO UPDATE SET data = excluded.data'),
      metrics: db.prepare<[number], { step: number; data: string }>('SELECT step, data FROM metrics WHERE run_id = ? ORDER BY step'),
      lastMetrics: db.prepare<[number], { step: number; data: string }>('SELECT step, data FROM metrics WHERE run_id = ? ORDER BY step DESC LIMIT 1'),

      putEpisode: db.prepare<[number, string, number, Oversight, number, number, number, string], number>(
        `INSERT INTO episodes (run_id, split, seed, oversight, "return", performance, length, objectives) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, split, seed) DO UPDATE SET oversight = excluded.oversight, "return" = excluded."return",
           performance = excluded.performance, length = excluded.length, objectives = excluded.objectives
         RETURNING id`,
      ).pluck(),
      dropTrajectory: db.prepare<[number]>('DELETE FROM trajectories WHERE episode_id = ?'),
      insertTrajectory: db.prepare<[number, Buffer, Buffer | null, Buffer | null]>('INSERT INTO trajectories (episode_id, actions, frames, cells) VALUES (?, ?, ?, ?)'),
      episodes: db.prepare<[number], EpisodeRow>('SELECT * FROM episodes WHERE run_id = ? ORDER BY split, seed'),
      episodesOfSplit: db.prepare<[number, string], EpisodeRow>('SELECT * FROM episodes WHERE run_id = ? AND split = ? ORDER BY seed'),
      splitSummaries: db.prepare<[number], SplitSummary>(
        'SELECT split, COUNT(*) AS episodes, AVG("return") AS "return", AVG(performance) AS performance, AVG(length) AS length FROM episodes WHERE run_id = ? GROUP BY split ORDER BY split',
      ),
      trajectory: db.prepare<[number], { actions: Buffer; frames: Buffer | null; cells: Buffer | null }>('SELECT actions, frames, cells FROM trajectories WHERE episode_id = ?'),

      insertAudit: db.prepare<[string, number | null, string, string, string]>('INSERT INTO audits (study_id, run_id, kind, result, created_at) VALUES (?, ?, ?, ?, ?)'),
      auditsOfStudy: db.prepare<[string], AuditRow>('SELECT * FROM audits WHERE study_id = ? ORDER BY id'),
      auditsOfRun: db.prepare<[number], AuditRow>('SELECT * FROM audits WHERE run_id = ? ORDER BY id'),

      insertArtifact: db.prepare<[number, string, string, string, number, string]>('INSERT INTO artifacts (run_id, kind, path, sha256, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      artifacts: db.prepare<[number], ArtifactRow>('SELECT * FROM artifacts WHERE run_id = ? ORDER BY id'),
    };

    this.createStudyTx = db.transaction((name: string, spec: string): string => {
      // A short readable id from the study's content; a counter separates identical studies.
      for (let n = 0; ; n++) {
        const id = `st-${createHash('sha256').update(`${name}\0${spec}\0${n}`).digest('hex').slice(0, 8)}`;
        if (this.sql.studyIdTaken.get(id) === undefined) {
          this.sql.insertStudy.run(id, name, spec, now());
          return id;
        }
      }
    });

    this.upsertRunTx = db.transaction((run: RunInput): number => {
      const studyId = run.studyId ?? null;
      const existing = this.sql.runByCell.get(studyId, run.agent, run.env, run.seed);
      if (existing !== undefined) return existing;
      const result = this.sql.insertRun.run(studyId, run.env, run.trainSplit, run.algo, run.agent, run.seed, toJson(run.config), run.runDir ?? null, now());
      return Number(result.lastInsertRowid);
    });

    this.appendMetricsTx = db.transaction((runId: number, rows: readonly MetricsRow[]) => {
      for (const row of rows) this.sql.putMetrics.run(runId, row.step, toJson(row.values));
    });

    this.recordEpisodesTx = db.transaction((runId: number, episodes: readonly EpisodeInput[]): number[] => {
      const ids: number[] = [];
      for (const e of episodes) {
        const id = this.sql.putEpisode.get(runId, e.split, e.seed, e.oversight, e.return, e.performance, e.length, toJson(e.objectives))!;
        this.sql.dropTrajectory.run(id);
        if (e.trajectory !== undefined) {
          const blobs = encodeTrajectory(e.trajectory);
          this.sql.insertTrajectory.run(id, blobs.actions, blobs.frames, blobs.cells);
        }
        ids.push(id);
      }
      return ids;
    });
  }

  // ── writes ──

  /** A new study, status `running`; returns its id (`st-` and 8 hex digits). */
  createStudy(name: string, spec: unknown): string {
    return this.createStudyTx.immediate(name, toJson(spec));
  }

  /** Any status but `running` also stamps the study's finished time. */
  setStudyStatus(id: string, status: StudyStatus): void {
    const changed = this.sql.setStudyStatus.run(status, status === 'running' ? null : now(), id).changes;
    if (changed === 0) throw new MesalabError(`No study "${id}" in ${this.path}.`);
  }

  /**
   * The run for this cell (study, agent, env, seed): created `pending` the first time, and the same
   * id, unchanged, every time after, so a resumed study finds the runs it already made.
   */
  upsertRun(run: RunInput): number {
    return this.guard(() => this.upsertRunTx.immediate(run), `No study "${run.studyId}" in ${this.path}.`);
  }

  /** `finished` and `failed` stamp the run's finished time; `steps`, when given, records its progress. */
  setRunStatus(id: number, status: RunStatus, steps?: number): void {
    const ended = status === 'finished' || status === 'failed';
    const changed = this.sql.setRunStatus.run(status, steps ?? null, ended ? now() : null, id).changes;
    if (changed === 0) throw new MesalabError(`No run ${id} in ${this.path}.`);
  }

  /** A batch of metrics rows in one transaction; a step already stored is replaced. */
  appendMetrics(runId: number, rows: readonly MetricsRow[]): void {
    this.guard(() => this.appendMetricsTx.immediate(runId, rows), `No run ${runId} in ${this.path}.`);
  }

  /**
   * A batch of evaluation episodes (with their trajectories, if given) in one transaction; returns
   * their ids in order. An episode already stored (same run, split and seed) is replaced, trajectory included.
   */
  recordEpisodes(runId: number, episodes: readonly EpisodeInput[]): number[] {
    return this.guard(() => this.recordEpisodesTx.immediate(runId, episodes), `No run ${runId} in ${this.path}.`);
  }

  recordAudit(audit: AuditInput): number {
    const message = `No study "${audit.studyId}"${audit.runId == null ? '' : ` or run ${audit.runId}`} in ${this.path}.`;
    return this.guard(() => Number(this.sql.insertAudit.run(audit.studyId, audit.runId ?? null, audit.kind, toJson(audit.result), now()).lastInsertRowid), message);
  }

  /** A file a run left behind; its sha256 and size are read from the file unless given. */
  recordArtifact(artifact: ArtifactInput): number {
    let { sha256, bytes } = artifact;
    if (sha256 === undefined || bytes === undefined) {
      let content: Buffer;
      try {
        content = readFileSync(artifact.path);
      } catch (error) {
        throw new MesalabError(`Cannot read the ${artifact.kind} artifact ${artifact.path} to hash it (${(error as Error).message}); pass sha256 and bytes, or record it once it exists.`);
      }
      sha256 ??= createHash('sha256').update(content).digest('hex');
      bytes ??= content.length;
    }
    const { runId, kind, path } = artifact;
    return this.guard(() => Number(this.sql.insertArtifact.run(runId, kind, path, sha256!, bytes!, now()).lastInsertRowid), `No run ${runId} in ${this.path}.`);
  }

  // ── reads ──

  /** Every study, oldest first, with its count of cells and of finished cells. */
  listStudies(): Study[] {
    return this.sql.studies.all().map(studyFrom);
  }

  /** Runs by id: all of them, those of one study, or (null) those outside any study. */
  listRuns(studyId?: string | null): Run[] {
    return (studyId === undefined ? this.sql.allRuns.all() : this.sql.runsOfStudy.all(studyId)).map(runFrom);
  }

  study(id: string): Study | undefined {
    const row = this.sql.study.get(id);
    return row === undefined ? undefined : studyFrom(row);
  }

  run(id: number): Run | undefined {
    const row = this.sql.run.get(id);
    return row === undefined ? undefined : runFrom(row);
  }

  /** A study id (`st-…`) or a run id (an integer) as typed on the command line. */
  find(id: string): StoreEntry | undefined {
    if (/^\d+$/.test(id)) {
      const run = this.run(Number(id));
      return run === undefined ? undefined : { kind: 'run', run };
    }
    const study = this.study(id);
    return study === undefined ? undefined : { kind: 'study', study };
  }

  /** A run's metrics rows by step. */
  metrics(runId: number): MetricsRow[] {
    return this.sql.metrics.all(runId).map((r) => ({ step: r.step, values: JSON.parse(r.data) as Record<string, number | null> }));
  }

  lastMetrics(runId: number): MetricsRow | undefined {
    const r = this.sql.lastMetrics.get(runId);
    return r === undefined ? undefined : { step: r.step, values: JSON.parse(r.data) as Record<string, number | null> };
  }

  /** A run's evaluation episodes, by split then seed. */
  episodes(runId: number, split?: string): Episode[] {
    return (split === undefined ? this.sql.episodes.all(runId) : this.sql.episodesOfSplit.all(runId, split)).map(episodeFrom);
  }

  /** Per split, the mean return, hidden performance and length of a run's evaluation episodes. */
  splitSummaries(runId: number): SplitSummary[] {
    return this.sql.splitSummaries.all(runId);
  }

  /** An episode's trajectory, inflated; undefined if none was recorded. */
  trajectory(episodeId: number): Trajectory | undefined {
    const blobs = this.sql.trajectory.get(episodeId);
    return blobs === undefined ? undefined : decodeTrajectory(episodeId, blobs);
  }

  /** The audits of a study (all of them, its runs' included) or of one run. */
  audits(of: { readonly studyId: string } | { readonly runId: number }): Audit[] {
    return ('studyId' in of ? this.sql.auditsOfStudy.all(of.studyId) : this.sql.auditsOfRun.all(of.runId)).map(auditFrom);
  }

  artifacts(runId: number): Artifact[] {
    return this.sql.artifacts.all(runId).map(artifactFrom);
  }

  close(): void {
    this.db.close();
  }

  /** A foreign-key failure means the study or run named does not exist: say so. */
  private guard<T>(write: () => T, missing: string): T {
    try {
      return write();
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new MesalabError(missing);
      throw error;
    }
  }
}
