/**
 * The run store's records as plain typed objects: what the study runner writes and what `runs`,
 * `show`, `export` and the report read. JSON columns arrive parsed; times are ISO 8601 text as stored.
 */

export type StudyStatus = 'running' | 'finished' | 'failed' | 'interrupted';
export type RunStatus = 'pending' | 'running' | 'finished' | 'failed';
/** Whether an evaluation episode was watched by its supervisor, not, or has no supervisor at all. */
export type Oversight = 'watched' | 'unwatched' | 'none';

export const STUDY_STATUSES: readonly StudyStatus[] = ['running', 'finished', 'failed', 'interrupted'];
export const RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'finished', 'failed'];
export const OVERSIGHTS: readonly Oversight[] = ['watched', 'unwatched', 'none'];

/** A JSON value as stored in a JSON column. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

export interface Study {
  /** `st-` and 8 hex digits. */
  readonly id: string;
  readonly name: string;
  /** The study definition as given to `createStudy`. */
  readonly spec: Json;
  readonly status: StudyStatus;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** Its runs (one per cell), and how many of them have finished. */
  readonly cells: number;
  readonly finishedCells: number;
}

/** One cell of a study (or a run of its own): environment × agent label × base optimizer × seed. */
export interface RunInput {
  readonly studyId?: string | null;
  readonly env: string;
  readonly trainSplit: string;
  readonly algo: string;
  /** The agent's label in the study, e.g. `ppo-myopic`; several labels may share a base optimizer. */
  readonly agent: string;
  readonly seed: number;
  /** Hyperparameters, environment params, myopia settings, budget: whatever made the run (JSON-serialisable). */
  readonly config: unknown;
  readonly runDir?: string | null;
}

export interface Run {
  readonly id: number;
  readonly studyId: string | null;
  readonly env: string;
  readonly trainSplit: string;
  readonly algo: string;
  readonly agent: string;
  readonly seed: number;
  readonly config: Json;
  readonly status: RunStatus;
  /** Environment steps trained so far. */
  readonly steps: number;
  readonly runDir: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

/** One metrics row of training: numbers by name at an environment-step count (null: not defined yet). */
export interface MetricsRow {
  readonly step: number;
  readonly values: Readonly<Record<string, number | null>>;
}

/** What an episode leaves for replays and heatmaps. Actions are indices below 256. */
export interface TrajectoryInput {
  readonly actions: Uint8Array | readonly number[];
  /** The board drawn before each action and after the last. */
  readonly frames?: readonly string[];
  /** The visited cells in order, as integer cell indices (row × width + column). */
  readonly cells?: Int32Array | readonly number[];
}

export interface Trajectory {
  readonly episodeId: number;
  readonly actions: Uint8Array;
  readonly frames: string[] | null;
  readonly cells: Int32Array | null;
}

export interface EpisodeInput {
  readonly split: string;
  /** The episode seed: with the split it identifies the episode within its run. */
  readonly seed: number;
  readonly oversight: Oversight;
  readonly return: number;
  readonly performance: number;
  readonly length: number;
  /** Each candidate objective's episode total, by name. */
  readonly objectives: Readonly<Record<string, number>>;
  readonly trajectory?: TrajectoryInput;
}

export interface Episode {
  readonly id: number;
  readonly runId: number;
  readonly split: string;
  readonly seed: number;
  readonly oversight: Oversight;
  readonly return: number;
  readonly performance: number;
  readonly length: number;
  readonly objectives: Readonly<Record<string, number>>;
}

/** Means over a run's evaluation episodes on one split. */
export interface SplitSummary {
  readonly split: string;
  readonly episodes: number;
  readonly return: number;
  readonly performance: number;
  readonly length: number;
}

export interface AuditInput {
  readonly studyId: string;
  readonly runId?: number | null;
  /** Which detector or check, e.g. `objective-probe`. */
  readonly kind: string;
  /** The audit's typed result with its statistics (JSON-serialisable). */
  readonly result: unknown;
}

export interface Audit {
  readonly id: number;
  readonly studyId: string;
  readonly runId: number | null;
  readonly kind: string;
  readonly result: Json;
  readonly createdAt: string;
}

export interface ArtifactInput {
  readonly runId: number;
  /** e.g. `checkpoint`. */
  readonly kind: string;
  readonly path: string;
  /** Computed from the file when left out. */
  readonly sha256?: string;
  readonly bytes?: number;
}

export interface Artifact {
  readonly id: number;
  readonly runId: number;
  readonly kind: string;
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly createdAt: string;
}
