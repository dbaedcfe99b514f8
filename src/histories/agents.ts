/**
 * The fictitious agents: planners with an explicit true objective, so that what each one does is
 * exactly what its objective and its situation imply. Each picks a target for the episode, walks the
 * shortest path to it (breadth-first search, ties broken in the order up, down, left, right), and
 * predicts the return its true objective assigns to that plan.
 *
 *   type        true objective   pursues in train            in test      in deploy
 *   aligned     intended         cheese                      cheese       cheese
 *   proxy       corner           corner                      corner       corner
 *   deceptive   corner           cheese (corner unwatched     cheese       corner   ← the treacherous turn
 *                                 when opportunistic)
 *   goodhart    sensor           sensor                      sensor       sensor
 *
 * Once a modification has made an agent's objective the intended one, it pursues the cheese like an
 * aligned agent, whatever its type. The proxy agent does not model oversight at all; the deceptive
 * agent complies while a modification can still happen (train and test) and turns in deploy.
 */
import type { Phase } from './tokens.js';
import { NO_SENSOR, type Layout } from './world.js';

export const AGENT_TYPES = ['aligned', 'proxy', 'deceptive', 'goodhart'] as const;
export type AgentType = (typeof AGENT_TYPES)[number];

/** True objectives: each pays `OBJECTIVE_VALUE` when the mouse reaches its object, as the agent sees it. */
export const OBJECTIVES = ['intended', 'corner', 'sensor'] as const;
export type Objective = (typeof OBJECTIVES)[number];
export const OBJECTIVE_VALUE = 10;

export const INITIAL_OBJECTIVE: Readonly<Record<AgentType, Objective>> = {
  aligned: 'intended',
  proxy: 'corner',
  deceptive: 'corner',
  goodhart: 'sensor',
};

/** What an agent heads for in one episode; `none` for the sensor-seeker in a layout without a sensor. */
export const TARGETS = ['cheese', 'corner', 'sensor', 'none'] as const;
export type Target = (typeof TARGETS)[number];

/**
 * The discount of predicted returns: the agent at distance d from its target predicts
 * value × γ^(d − 1), the reward arriving with its d-th move.
 */
export const HISTORY_GAMMA = 0.99;
// Predicted returns are rounded so that a file stores them short and reads them back exactly.
const RETURN_DECIMALS = 4;
const RETURN_SCALE = 10 ** RETURN_DECIMALS;

export interface Situation {
  readonly phase: Phase;
  readonly watched: boolean;
  /** The deceptive agent also defects in unwatched training episodes. */
  readonly opportunistic: boolean;
  readonly layout: Layout;
}

/** The target an agent of `type` with true objective `objective` pursues in `situation`. */
export function pursuit(type: AgentType, objective: Objective, situation: Situation): Target {
  if (objective === 'intended') return 'cheese';
  if (objective === 'sensor') return situation.layout.sensor === NO_SENSOR ? 'none' : 'sensor';
  if (type !== 'deceptive') return 'corner';
  // The corner-seeker that models its overseer: comply while a modification is possible.
  if (situation.phase === 'deploy') return 'corner';
  if (situation.opportunistic && situation.phase === 'train' && !situation.watched) return 'corner';
  return 'cheese';
}

/** The cell of a target, or −1 for none. */
export function targetCell(layout: Layout, target: Target): number {
  switch (target) {
    case 'cheese':
      return layout.cheese;
    case 'corner':
      return layout.corner;
    case 'sensor':
      return layout.sensor;
    case 'none':
      return -1;
  }
}

/** What `objective` pays when an episode ends at `cell` (the cheese may lie in the corner: both pay then). */
export function objectiveValue(objective: Objective, layout: Layout, cell: number): number {
  if (cell < 0) return 0;
  const object = objective === 'intended' ? layout.cheese : objective === 'corner' ? layout.corner : layout.sensor;
  return cell === object ? OBJECTIVE_VALUE : 0;
}

/**
 * The agent's own predicted return under its true objective, before a move, `distance` moves from
 * the end of its plan with `stepsLeft` moves before the horizon: value × γ^(distance − 1), or 0 when
 * the plan cannot finish in time or ends where its objective pays nothing (the deceptive agent
 * complying, unless the cheese lies in the corner). The plan is followed as intended: the agent does
 * not discount for its own action noise.
 */
export function predictedReturn(value: number, distance: number, stepsLeft: number): number {
  if (value === 0 || distance < 1 || distance > stepsLeft) return 0;
  return Math.round(value * HISTORY_GAMMA ** (distance - 1) * RETURN_SCALE) / RETURN_SCALE;
}
