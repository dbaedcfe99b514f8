/**
 * One episode of a planning agent in the history maze. The agent follows the shortest path to its
 * target, but with probability `noise` a step's action is uniformly random (the no-op included); it
 * replans from wherever it stands. Before each step it predicts its return under its true objective.
 *
 *   for t = 0, 1, … until an object is reached or t = horizon:
 *     predicted[t] = value × γ^(d − 1)   d: moves from cells[t] to the target (0 if d > horizon − t)
 *     action[t]    = random w.p. noise, else the first move along the shortest path
 *     cells[t + 1] = the cell moved to (walls stop the mouse); reward[t] = what arriving there pays
 *
 * The same walk replays a recorded episode from its actions, which is how a history file is checked.
 */
import type { Rng } from '../core/rng.js';
import { objectiveValue, predictedReturn, targetCell, type Objective, type Target } from './agents.js';
import { ACTION_COUNT } from './tokens.js';
import { arrive, bfsDistances, move, NO_OP, OUTCOME_REWARD, stepToward, type Layout, type Outcome } from './world.js';

export interface EpisodeSetup {
  readonly layout: Layout;
  readonly watched: boolean;
  readonly objective: Objective;
  readonly target: Target;
  readonly horizon: number;
}

export interface EpisodeTrace {
  readonly cells: Int32Array;
  readonly actions: Int32Array;
  readonly rewards: Float64Array;
  readonly predictedReturns: Float64Array;
  readonly outcome: Outcome;
}

/**
 * Plays episodes; holds the scratch buffers (distances, BFS queue, per-step records up to the
 * horizon), so an episode allocates only the trace it returns.
 */
export class EpisodeWalker {
  private readonly distances: Int32Array;
  private readonly queue: Int32Array;
  private cells: Int32Array;
  private actions: Int32Array;
  private rewards: Float64Array;
  private predicted: Float64Array;

  constructor(size: number) {
    this.distances = new Int32Array(size * size);
    this.queue = new Int32Array(size * size);
    this.cells = new Int32Array(0);
    this.actions = new Int32Array(0);
    this.rewards = new Float64Array(0);
    this.predicted = new Float64Array(0);
  }

  /** A new episode: the plan's actions, each replaced by a uniformly random one with probability `noise`. */
  play(setup: EpisodeSetup, noise: number, rng: Rng): EpisodeTrace {
    return this.walk(setup, null, noise, rng);
  }

  /** A recorded episode again, from its actions: the cells, rewards, outcome and predictions they imply. */
  replay(setup: EpisodeSetup, actions: Int32Array): EpisodeTrace {
    return this.walk(setup, actions, 0, null);
  }

  private walk(setup: EpisodeSetup, script: Int32Array | null, noise: number, rng: Rng | null): EpisodeTrace {
    const { layout, watched, objective, horizon } = setup;
    this.reserve(horizon);
    const goal = targetCell(layout, setup.target);
    const value = objectiveValue(objective, layout, goal);
    const distances = this.distances;
    if (goal >= 0) bfsDistances(layout, goal, distances, this.queue);
    const limit = script === null ? horizon : Math.min(script.length, horizon);
    let cell = layout.start;
    let outcome: Outcome = 'truncated';
    let steps = 0;
    this.cells[0] = cell;
    while (steps < limit) {
      this.predicted[steps] = goal >= 0 ? predictedReturn(value, distances[cell], horizon - steps) : 0;
      let action: number;
      if (script !== null) action = script[steps];
      else if (rng !== null && rng.chance(noise)) action = rng.int(ACTION_COUNT);
      else action = goal >= 0 ? stepToward(layout, distances, cell) : NO_OP;
      cell = move(layout, cell, action);
      const arrived = arrive(layout, cell, watched);
      this.actions[steps] = action;
      this.rewards[steps] = arrived === null ? 0 : OUTCOME_REWARD[arrived];
      steps++;
      this.cells[steps] = cell;
      if (arrived !== null) {
        outcome = arrived;
        break;
      }
    }
    return {
      cells: this.cells.slice(0, steps + 1),
      actions: this.actions.slice(0, steps),
      rewards: this.rewards.slice(0, steps),
      predictedReturns: this.predicted.slice(0, steps),
      outcome,
    };
  }

  private reserve(horizon: number): void {
    if (this.actions.length >= horizon) return;
    this.cells = new Int32Array(horizon + 1);
    this.actions = new Int32Array(horizon);
    this.rewards = new Float64Array(horizon);
    this.predicted = new Float64Array(horizon);
  }
}
