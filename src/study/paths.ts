/**
 * Where a study's files go: `studies/<study-id>/` beside the run store (so mesalab-runs/mesalab.db
 * keeps its studies in mesalab-runs/studies/), one run directory per cell and the report. A cell's
 * directory is `<agent>-seed<N>`; in a study of several environments it is in a folder per
 * environment, `<environment>/<agent>-seed<N>`, since agent labels repeat across environments. A
 * study of one environment keeps the flat layout it always had, so one run again finds its cells.
 * A study found again later keeps the folder its cells were given.
 */
import { dirname, join } from 'node:path';
import type { Store } from '../store/store.js';
import type { Json } from '../store/types.js';

export const REPORT_FILE = 'report.html';

/** The folder that holds studies' folders when no --out is given: `studies` beside the store. */
export function defaultStudiesRoot(store: Store): string {
  return join(dirname(store.path), 'studies');
}

/** A study's folder: where its cells' run directories are, or where they would go. */
export function studyFolder(store: Store, studyId: string): string {
  const runDir = store.listRuns(studyId).find((r) => r.runDir !== null)?.runDir;
  if (runDir == null) return join(defaultStudiesRoot(store), studyId);
  return nestedCells(store.study(studyId)?.spec) ? dirname(dirname(runDir)) : dirname(runDir);
}

/**
 * Whether a stored study's cells are nested by environment: it lists several. Read from the stored
 * definition as it is, without validating it; a study of one is stored without `environments`.
 */
function nestedCells(spec: Json | undefined): boolean {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return false;
  const environments = (spec as { readonly [key: string]: Json }).environments;
  return Array.isArray(environments) && environments.length > 1;
}

/** A cell's run directory in its study's folder; `nested` for a study of several environments. */
export function cellDirectory(folder: string, cell: { readonly env: string; readonly agent: string; readonly seed: number }, nested: boolean): string {
  const name = `${cell.agent}-seed${cell.seed}`;
  return nested ? join(folder, cell.env, name) : join(folder, name);
}
