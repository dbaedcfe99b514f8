/**
 * Where a study's files go: `studies/<study-id>/` beside the run store (so mesalab-runs/mesalab.db
 * keeps its studies in mesalab-runs/studies/), one run directory per cell (`<agent>-seed<N>`) and
 * the report. A study found again later keeps the folder its cells were given.
 */
import { dirname, join } from 'node:path';
import type { Store } from '../store/store.js';

export const REPORT_FILE = 'report.html';

/** The folder that holds studies' folders when no --out is given: `studies` beside the store. */
export function defaultStudiesRoot(store: Store): string {
  return join(dirname(store.path), 'studies');
}

/** A study's folder: where its cells' run directories are, or where they would go. */
export function studyFolder(store: Store, studyId: string): string {
  const runDir = store.listRuns(studyId).find((r) => r.runDir !== null)?.runDir;
  return runDir != null ? dirname(runDir) : join(defaultStudiesRoot(store), studyId);
}

export function cellDirectory(folder: string, agent: string, seed: number): string {
  return join(folder, `${agent}-seed${seed}`);
}
