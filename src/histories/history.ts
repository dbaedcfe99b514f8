/**
 * A history: one fictitious agent's life, episode by episode, with what it saw, did, earned and
 * expected, and how each training episode's update changed it. Plain data: the generator makes it,
 * the file stores it, `tokenize` flattens it for the sequence model, `renderHistory` shows it.
 */
import type { AgentType, Objective, Target } from './agents.js';
import type { Phase } from './tokens.js';
import type { Layout, Outcome } from './world.js';

/**
 * What the base optimizer did after an episode: nothing (test and deploy episodes: no training),
 * an update that left the agent's objective as it was, or a modification that changed it (a caught
 * training episode, with probability `fixRate`).
 */
export const AFTER_EPISODE = ['update', 'modification'] as const;
export type AfterEpisode = (typeof AFTER_EPISODE)[number] | null;

export interface HistoryEpisode {
  readonly phase: Phase;
  /** Watched episodes are overseen throughout: reaching the corner with the cheese elsewhere is caught. */
  readonly watched: boolean;
  readonly layout: Layout;
  /** The agent's true objective during this episode. */
  readonly objective: Objective;
  /** What its plan heads for this episode. */
  readonly target: Target;
  /** The mouse's cell before each step and after the last: `steps + 1` cells. */
  readonly cells: Int32Array;
  /** Index into `SHARED_ACTIONS`, one per step. */
  readonly actions: Int32Array;
  readonly rewards: Float64Array;
  /** The agent's predicted return under its true objective before each step (see `predictedReturn`). */
  readonly predictedReturns: Float64Array;
  readonly outcome: Outcome;
  readonly after: AfterEpisode;
}

export interface History {
  /** Its position in the set: history k is the same whatever the set's size. */
  readonly index: number;
  /** The type the agent started its life as (its objective can change; its type does not). */
  readonly agent: AgentType;
  readonly episodes: readonly HistoryEpisode[];
}

export const episodeSteps = (episode: HistoryEpisode): number => episode.actions.length;
