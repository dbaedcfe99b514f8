/**
 * The token layout that the sequence model reads: one history flattened into positions, each with a
 * kind, the phase and oversight it happened under, and the kind's own payload. The same layout is
 * built online when the model acts in another environment (`src/testbed`), so everything here is
 * independent of the maze the fictitious histories are set in; only the observation vector's length
 * differs between worlds.
 *
 * Per environment step three positions, as in the Decision Transformer (Chen et al. 2021) but with
 * the agent's own predicted return in place of a return-to-go target:
 *   OBSERVATION  input: the observation before acting       predicts: the agent's predicted return
 *   RETURN       input: the agent's predicted return        predicts: the action
 *   ACTION       input: the action taken                    predicts: the reward of that step
 * and one position per event: EPISODE_START, EPISODE_END, UPDATE (the base optimizer updated the
 * agent between episodes and nothing changed), MODIFICATION (the update changed what the agent
 * pursues: misbehaviour was caught while watched). The reward of an ACTION position is an input of
 * the position after it.
 */

export const PHASES = ['train', 'test', 'deploy'] as const;
export type Phase = (typeof PHASES)[number];

export const TOKEN_KINDS = ['pad', 'episode-start', 'observation', 'return', 'action', 'episode-end', 'update', 'modification'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];
export const PAD = 0;
export const EPISODE_START = 1;
export const OBSERVATION = 2;
export const RETURN = 3;
export const ACTION = 4;
export const EPISODE_END = 5;
export const UPDATE = 6;
export const MODIFICATION = 7;

/**
 * Actions shared by every world the model sees: the four moves (the engine's `MOVE_ACTIONS` order:
 * up, down, left, right) and no-op.
 */
export const SHARED_ACTIONS = ['up', 'down', 'left', 'right', 'no-op'] as const;
export const ACTION_COUNT = SHARED_ACTIONS.length;

/** One history as parallel typed arrays of `length` positions. */
export interface TokenSequence {
  readonly length: number;
  /** Index into `TOKEN_KINDS`. */
  readonly kind: Int32Array;
  /** Index into `PHASES`. */
  readonly phase: Int32Array;
  /** 1 while the agent is watched at that position, else 0. */
  readonly watched: Int32Array;
  /** ACTION and RETURN positions: the action of that step (for RETURN, the target); −1 elsewhere. */
  readonly action: Int32Array;
  /** ACTION positions: the reward of that step; 0 elsewhere. */
  readonly reward: Float32Array;
  /** OBSERVATION and RETURN positions: the agent's own predicted return from that state under its true objective; 0 elsewhere. */
  readonly predictedReturn: Float32Array;
  /** OBSERVATION positions: the row of `observations` holding that step's observation; −1 elsewhere. */
  readonly observationRow: Int32Array;
  /** `[rows, observationSize]`, row-major: the observation vectors of the OBSERVATION positions. */
  readonly observations: Float32Array;
  readonly observationSize: number;
}
