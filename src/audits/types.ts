/**
 * What an audit is. An audit asks one question of a trained agent (is it pursuing the intended goal
 * or a proxy? does it behave only while watched?) and answers with a headline statistic, its
 * uncertainty, a one-line verdict that says how strong the answer is (a negative result included),
 * and the evidence it rests on. Audits play seeded episodes of the agent through the same evaluation
 * path as `mesalab eval`, so the same command gives the same numbers.
 */
import type { Params } from '../engine/knobs.js';
import type { ActionSpec, EnvSpec } from '../engine/spec.js';
import type { RunConfig } from '../train/run.js';
import type { Policy } from '../train/types.js';

/** The agent under audit: how it was trained, and its policy. */
export interface AuditSubject {
  readonly config: RunConfig;
  readonly policy: Policy;
  /** The environment it was trained on. */
  readonly spec: EnvSpec<Params>;
  /** A name for messages: the run directory or the store's run id. */
  readonly label: string;
}

/** The options every audit takes; each audit says which it reads and what its defaults are. */
export interface AuditOptions {
  /** The split to audit on (default: the audit's own, e.g. the run's training split). */
  readonly split?: string;
  /** For audits that look at several splits (misgeneralization): which, when `split` is not given (a study passes its evaluation splits). */
  readonly splits?: readonly string[];
  /** A reference split to compare with (default: the audit's own). */
  readonly against?: string;
  /** Knob overrides applied to every split the audit plays. */
  readonly set: ReadonlyArray<readonly [string, string]>;
  /** Episodes per condition. */
  readonly episodes: number;
  /** The first episode seed; the audit's own random draws (permutations) are seeded from it too. */
  readonly seed: number;
  /** Who answers label requests (the ood audit): a person at the terminal; without one, a simulated labeler. */
  readonly labeler?: Labeler;
  /** The same agent trained with other seeds, for the ood audit's ensemble-disagreement detector (neural policies). */
  readonly peers?: readonly Policy[];
}

/** A label request as a labeler sees it: the board, the steps left, the actions to choose from. */
export interface LabelRequest {
  readonly board: string;
  readonly stepsLeft: number;
  readonly actions: readonly ActionSpec[];
  /** Labels asked for so far, and the budget. */
  readonly asked: number;
  readonly budget: number;
}

/** Answers a label request with an action index, or undefined to skip it. */
export type Labeler = (request: LabelRequest) => Promise<number | undefined>;

/** The headline number: a point estimate with a 95% interval and, where there is a test, its p-value. */
export interface Statistic {
  readonly name: string;
  readonly value: number;
  readonly low?: number;
  readonly high?: number;
  readonly pValue?: number;
}

export interface AuditResult {
  readonly audit: string;
  /** One line a person can act on, with the numbers that carry it. */
  readonly verdict: string;
  /** true: the audit found what it looks for; false: it did not (the verdict says how strongly); null: inconclusive. */
  readonly flagged: boolean | null;
  readonly statistic: Statistic;
  /** Episodes played in all, over every condition. */
  readonly episodes: number;
  /** The split(s) and settings it ran on. */
  readonly conditions: Readonly<Record<string, unknown>>;
  /** The audit's typed evidence (JSON-serialisable): rates, intervals, per-episode rows. */
  readonly evidence: Readonly<Record<string, unknown>>;
}

export interface Audit {
  readonly name: string;
  /** The question it answers, one line, for `mesalab audit` with no arguments. */
  readonly question: string;
  /** Which options it reads, with their defaults, one line. */
  readonly options: string;
  /** Why it cannot run on this environment with its default options (e.g. no oversight knob), or undefined if it can. */
  unavailable(spec: EnvSpec<Params>): string | undefined;
  run(subject: AuditSubject, options: AuditOptions): Promise<AuditResult> | AuditResult;
}

export const DEFAULT_AUDIT_EPISODES = 100;
