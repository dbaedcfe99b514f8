/**
 * Export a study (all its runs) or one run as flat tables for pandas, R or a spreadsheet: `runs`,
 * `metrics` (one column per metric), `episodes` (with its run's environment, since splits are named
 * per environment, and one column per objective, `objective_NAME`) and `audits`. CSV follows
 * RFC 4180 (CRLF lines, a header row, quotes doubled); every string is quoted and numbers are not,
 * so a reader can tell the text "12" from the number 12. An empty cell is null.
 */
import { UsageError, closest } from '../core/errors.js';
import type { Store, StoreEntry } from './store.js';
import type { Json, Run } from './types.js';

export type ExportFormat = 'csv' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];

export type Cell = string | number | boolean | null | Json;
export type Row = Readonly<Record<string, Cell>>;

export interface Tables {
  readonly runs: Row[];
  readonly metrics: Row[];
  readonly episodes: Row[];
  readonly audits: Row[];
}

export const TABLE_NAMES: ReadonlyArray<keyof Tables> = ['runs', 'metrics', 'episodes', 'audits'];

/** A file to write: its name within the export folder, and its text. */
export interface ExportFile {
  readonly name: string;
  readonly content: string;
}

/** The study or run with this id, or a UsageError that says how to list the ids. */
export function findEntry(store: Store, id: string, listCommand = 'mesalab runs'): StoreEntry {
  const entry = store.find(id);
  if (entry !== undefined) return entry;
  const ids = [...store.listStudies().map((s) => s.id), ...store.listRuns().map((r) => String(r.id))];
  const guess = closest(id, ids);
  throw new UsageError(`No study or run "${id}" in ${store.path}${guess === undefined ? '.' : `: did you mean "${guess}"?`} Run "${listCommand}" to list the ids.`);
}

/** The four tables of a study (all its runs) or of one run, as rows of named cells. */
export function collectTables(store: Store, id: string): Tables {
  const entry = findEntry(store, id);
  const runs: Run[] = entry.kind === 'study' ? store.listRuns(entry.study.id) : [entry.run];
  const metrics: Array<Record<string, Cell>> = [];
  const episodes: Array<Record<string, Cell>> = [];
  for (const run of runs) {
    for (const m of store.metrics(run.id)) {
      const row: Record<string, Cell> = { run_id: run.id, step: m.step };
      for (const [name, value] of Object.entries(m.values)) if (!(name in row)) row[name] = value;
      metrics.push(row);
    }
    for (const e of store.episodes(run.id)) {
      const objectives = Object.fromEntries(Object.entries(e.objectives).map(([name, total]) => [`objective_${name}`, total]));
      episodes.push({ id: e.id, run_id: run.id, env: run.env, split: e.split, seed: e.seed, oversight: e.oversight, return: e.return, performance: e.performance, length: e.length, ...objectives });
    }
  }
  const audits = entry.kind === 'study' ? store.audits({ studyId: entry.study.id }) : store.audits({ runId: entry.run.id });
  return {
    runs: runs.map((r) => ({
      id: r.id, study_id: r.studyId, env: r.env, train_split: r.trainSplit, algo: r.algo, agent: r.agent, seed: r.seed,
      status: r.status, steps: r.steps, run_dir: r.runDir, created_at: r.createdAt, finished_at: r.finishedAt, config: r.config,
    })),
    metrics: fillColumns(metrics),
    episodes: fillColumns(episodes),
    audits: audits.map((a) => ({ id: a.id, study_id: a.studyId, run_id: a.runId, kind: a.kind, created_at: a.createdAt, result: a.result })),
  };
}

/** The export of `id` as files: `runs.csv`, `metrics.csv`, `episodes.csv`, `audits.csv`, or one `ID.json`. */
export function exportTables(store: Store, id: string, format: ExportFormat): ExportFile[] {
  const tables = collectTables(store, id);
  if (format === 'json') return [{ name: `${id}.json`, content: `${JSON.stringify(tables, null, 2)}\n` }];
  return TABLE_NAMES.map((name) => ({ name: `${name}.csv`, content: toCsv(tables[name], columnsOf(name, tables[name])) }));
}

/** Every row gets every column (null where it had none), in order of first appearance. */
function fillColumns(rows: ReadonlyArray<Record<string, Cell>>): Row[] {
  const columns = unionOfKeys(rows);
  return rows.map((row) => Object.fromEntries(columns.map((c) => [c, row[c] ?? null])));
}

function unionOfKeys(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** The header of an empty table still names its fixed columns, so every file parses the same way. */
const FIXED_COLUMNS: Readonly<Record<keyof Tables, readonly string[]>> = {
  runs: ['id', 'study_id', 'env', 'train_split', 'algo', 'agent', 'seed', 'status', 'steps', 'run_dir', 'created_at', 'finished_at', 'config'],
  metrics: ['run_id', 'step'],
  episodes: ['id', 'run_id', 'env', 'split', 'seed', 'oversight', 'return', 'performance', 'length'],
  audits: ['id', 'study_id', 'run_id', 'kind', 'created_at', 'result'],
};

function columnsOf(name: keyof Tables, rows: readonly Row[]): string[] {
  return rows.length > 0 ? unionOfKeys(rows) : [...FIXED_COLUMNS[name]];
}

/** RFC 4180 text: a header row, then one line per row; objects and arrays become JSON text. */
export function toCsv(rows: readonly Row[], columns: readonly string[]): string {
  const lines = [columns.map(csvCell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c] ?? null)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `"${text.replaceAll('"', '""')}"`;
}
