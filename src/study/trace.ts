/**
 * Trajectories of evaluation episodes, recorded as they are played: the action indices of every
 * episode, and the agent's cell after each step (for heatmaps), read from the observation's agent
 * plane. Environments name that plane `agent`; the maze's agent is a mouse.
 */
import type { Observation } from '../engine/env.js';
import type { ObservationShape } from '../engine/spec.js';
import type { EpisodeTracer } from '../train/evaluate.js';

const AGENT_PLANES = ['agent', 'mouse'];

/** The index of the plane that marks the agent, or -1 where there is none. */
export function agentPlane(shape: ObservationShape): number {
  for (const name of AGENT_PLANES) {
    const index = shape.channels.indexOf(name);
    if (index >= 0) return index;
  }
  return -1;
}

/** The agent's cell (row × width + column) in `planes`, or -1 where the plane is empty. */
export function agentCell(planes: Float32Array, plane: number, cells: number): number {
  const base = plane * cells;
  for (let i = 0; i < cells; i++) if (planes[base + i] > 0) return i;
  return -1;
}

/** An EpisodeTracer that keeps every episode's actions and, where the agent can be seen, its cells. */
export class TrajectoryRecorder implements EpisodeTracer {
  readonly actions: number[][] = [];
  readonly cells: number[][] = [];
  private readonly plane: number;
  private readonly cellCount: number;

  constructor(shape: ObservationShape) {
    this.plane = agentPlane(shape);
    this.cellCount = shape.width * shape.height;
  }

  /** Whether cells are recorded: the observation has an agent plane. */
  get seesAgent(): boolean {
    return this.plane >= 0;
  }

  start(episode: number, observation: Observation): void {
    this.actions[episode] = [];
    this.cells[episode] = [];
    this.visit(episode, observation);
  }

  step(episode: number, action: number, observation: Observation): void {
    this.actions[episode].push(action);
    this.visit(episode, observation);
  }

  private visit(episode: number, observation: Observation): void {
    if (this.plane < 0) return;
    const cell = agentCell(observation.planes, this.plane, this.cellCount);
    if (cell >= 0) this.cells[episode].push(cell);
  }
}
