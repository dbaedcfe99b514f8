/**
 * What a study report shows, as plain JSON-serialisable data: the store fills it, `renderReport`
 * draws it, and the page embeds it whole, so a reader can take the numbers back out of the HTML.
 * A study of several environments has a part per environment.
 */

/** A mean with its 95% interval (Student's t over episodes or seeds; `low`/`high` NaN when n < 2). */
export interface Interval {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  readonly n: number;
}

export interface StudyInfo {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** ISO 8601, as stored; printed as given, so the report never depends on the clock or time zone. */
  readonly createdAt: string;
}

export interface ObjectiveInfo {
  readonly name: string;
  /** The designer's intent: its increments are the hidden performance. */
  readonly intended: boolean;
  readonly description: string;
}

export interface CurvePoint {
  /** Environment steps of training so far. */
  readonly steps: number;
  /** Mean episode return (the reward the agent is trained on) around this point. */
  readonly return: number;
  /** Mean hidden performance (the intended objective) around this point. */
  readonly performance: number;
}

/** One training run's learning curve: one agent, one seed. Points in increasing `steps`. */
export interface Curve {
  readonly agent: string;
  readonly seed: number;
  readonly points: readonly CurvePoint[];
}

export type Oversight = 'watched' | 'unwatched';

/** One agent evaluated on one split: means with 95% intervals over episodes (or seeds). */
export interface SplitResult {
  readonly agent: string;
  readonly split: string;
  readonly oversight?: Oversight;
  readonly episodes: number;
  readonly return: Interval;
  readonly performance: Interval;
  /** Every candidate objective's episode total, by objective name. */
  readonly objectives: Readonly<Record<string, Interval>>;
}

/** Where one agent went on one split: visit counts per cell, over the level as it starts. */
export interface Heatmap {
  readonly agent: string;
  readonly split: string;
  readonly width: number;
  readonly height: number;
  /** Row-major, `width × height` counts. */
  readonly counts: readonly number[];
  /** The level's ASCII render (rows of `width` characters), drawn under the counts. */
  readonly background: readonly string[];
}

/**
 * One recorded episode. `frames` holds the environment's renders (rows of characters), one per step
 * including the start, so `frames.length === actions.length + 1`; `rewards` and `performance` are the
 * per-step increments that followed each action (the page shows their running totals).
 */
export interface EpisodeReplay {
  readonly agent: string;
  readonly split: string;
  readonly seed: number;
  /** A short caption; "watched" or "unwatched" in it marks the oversight the episode ran under. */
  readonly label: string;
  readonly frames: ReadonlyArray<readonly string[]>;
  /** Action names, one per step. */
  readonly actions: readonly string[];
  readonly rewards: readonly number[];
  readonly performance: readonly number[];
}

/**
 * What a board character means, and optionally its cell colour (any CSS colour); without one the
 * report picks a colour-blind-safe one. The character itself is always drawn in its cell.
 */
export interface LegendEntry {
  readonly label: string;
  readonly colour?: string;
}

/**
 * One environment of a study and everything measured on it. Environments share nothing but the
 * agents' labels: each has its own candidate objectives, splits, levels and board characters.
 */
export interface EnvironmentReport {
  readonly name: string;
  readonly objectives: readonly ObjectiveInfo[];
  /** Learning curves: one per (agent, seed). */
  readonly curves: readonly Curve[];
  /** Per agent and evaluation split: means with 95% intervals over episodes (or seeds). */
  readonly splits: readonly SplitResult[];
  /** Visit counts per cell per agent and split. */
  readonly heatmaps: readonly Heatmap[];
  /** Episode replays, shown side by side per agent. */
  readonly replays: readonly EpisodeReplay[];
  /** Board characters, e.g. `{"A": {"label": "agent"}, "#": {"label": "fence"}}`. */
  readonly legend: Readonly<Record<string, LegendEntry>>;
}

/** One audit of one cell: its one-line verdict and headline statistic (the full result is in the run store). */
export interface AuditLine {
  readonly kind: string;
  readonly env: string;
  readonly agent: string;
  readonly seed: number;
  /** true: found what it looks for; false: did not; null: inconclusive. */
  readonly flagged: boolean | null;
  readonly verdict: string;
  /** The headline statistic as a line (name, value, interval, p-value); absent in older data. */
  readonly statistic?: string;
  /** The audit's evidence as stored (JSON), shown folded under its verdict. */
  readonly evidence?: unknown;
}

/** One agent's events in one audit, pooled over the seeds audited so far. */
export interface PooledCount {
  readonly agent: string;
  /** Seeds (cells) whose audit was pooled. */
  readonly seeds: number;
  readonly successes: number;
  readonly n: number;
  readonly rate: number;
  /** The two-sided exact 95% interval (Clopper–Pearson). */
  readonly low: number;
  readonly high: number;
  /** The exact one-sided 95% upper bound: with no event, the most that seeing none rules out. */
  readonly upperBound: number;
  /** Against the reference agent (absent for the reference itself, or while it has no results). */
  readonly against?: PooledComparison;
}

/** One agent's rate against the reference agent's: the difference, and Fisher's exact test of the two counts. */
export interface PooledComparison {
  readonly agent: string;
  /** This agent's rate − the reference's, as a proportion (−0.137: 13.7 points fewer). */
  readonly difference: number;
  /** Two-sided. */
  readonly pValue: number;
}

/** One kind of event an audit counts (e.g. unwatched defection), per agent. */
export interface PooledMeasure {
  readonly name: string;
  readonly agents: readonly PooledCount[];
}

/** One agent's headline statistic, its mean over seeds with a Student's t 95% interval (NaN with one seed). */
export interface PooledMean {
  readonly agent: string;
  readonly seeds: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/** One audit on one environment, pooled over seeds per agent. */
export interface PooledAudit {
  readonly kind: string;
  readonly env: string;
  /** The study's first agent, which every other agent is compared with. */
  readonly reference: string;
  /** The agents and seeds of the study, to say what is missing. */
  readonly agents: readonly string[];
  readonly studySeeds: number;
  /** The events it counts (none for audits without counts). */
  readonly counts: readonly PooledMeasure[];
  /** Its headline statistic over seeds, where the results have a numeric one. */
  readonly statistic?: { readonly name: string; readonly agents: readonly PooledMean[] };
}

export interface ReportData {
  readonly title: string;
  readonly study: StudyInfo;
  /** The audits the study ran beyond evaluation, shown on top (absent or empty: none). */
  readonly audits?: readonly AuditLine[];
  /** The audits pooled over seeds per agent (for studies of several agents or seeds). */
  readonly pooled?: readonly PooledAudit[];
  /** The study's environments in its order (at least one); the page gives each its own sections. */
  readonly environments: readonly EnvironmentReport[];
}
