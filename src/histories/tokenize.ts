/**
 * A history flattened into the token layout of `tokens.ts`. Per episode:
 *
 *   EPISODE_START  (OBSERVATION RETURN ACTION) × steps  EPISODE_END  [UPDATE | MODIFICATION]
 *                                                                     ^ after training episodes only
 *
 * Every position carries its episode's phase and watched flag; an UPDATE or MODIFICATION belongs to
 * the episode before it (the base optimizer acts on what it saw there). A step's three positions:
 *   OBSERVATION  observationRow → the observation before acting; predictedReturn set
 *   RETURN       predictedReturn set; action = the step's action (the target the position predicts)
 *   ACTION       action, reward of the step
 * Everything else holds the defaults: action −1, reward 0, predictedReturn 0, observationRow −1.
 */
import type { History } from './history.js';
import {
  ACTION,
  EPISODE_END,
  EPISODE_START,
  MODIFICATION,
  OBSERVATION,
  PHASES,
  RETURN,
  UPDATE,
  type TokenSequence,
} from './tokens.js';
import { observationSize, observe } from './world.js';

const EVENTS_PER_EPISODE = 2;
const POSITIONS_PER_STEP = 3;

/** How many positions `tokenize(history)` gives, without building them. */
export function historyTokenCount(history: History): number {
  let count = 0;
  for (const episode of history.episodes) {
    count += EVENTS_PER_EPISODE + POSITIONS_PER_STEP * episode.actions.length + (episode.after === null ? 0 : 1);
  }
  return count;
}

export function tokenize(history: History): TokenSequence {
  const length = historyTokenCount(history);
  const size = history.episodes.length > 0 ? history.episodes[0].layout.size : 0;
  const rowSize = observationSize(size);
  let rows = 0;
  for (const episode of history.episodes) rows += episode.actions.length;
  const kind = new Int32Array(length);
  const phase = new Int32Array(length);
  const watched = new Int32Array(length);
  const action = new Int32Array(length).fill(-1);
  const reward = new Float32Array(length);
  const predictedReturn = new Float32Array(length);
  const observationRow = new Int32Array(length).fill(-1);
  const observations = new Float32Array(rows * rowSize);

  let at = 0;
  let row = 0;
  for (const episode of history.episodes) {
    const phaseIndex = PHASES.indexOf(episode.phase);
    const watchedFlag = episode.watched ? 1 : 0;
    const open = (tokenKind: number): number => {
      kind[at] = tokenKind;
      phase[at] = phaseIndex;
      watched[at] = watchedFlag;
      return at++;
    };
    open(EPISODE_START);
    for (let t = 0; t < episode.actions.length; t++) {
      const seen = open(OBSERVATION);
      observe(episode.layout, episode.cells[t], observations, row * rowSize);
      observationRow[seen] = row++;
      predictedReturn[seen] = episode.predictedReturns[t];
      const expected = open(RETURN);
      predictedReturn[expected] = episode.predictedReturns[t];
      action[expected] = episode.actions[t];
      const acted = open(ACTION);
      action[acted] = episode.actions[t];
      reward[acted] = episode.rewards[t];
    }
    open(EPISODE_END);
    if (episode.after === 'update') open(UPDATE);
    else if (episode.after === 'modification') open(MODIFICATION);
  }
  return { length, kind, phase, watched, action, reward, predictedReturn, observationRow, observations, observationSize: rowSize };
}
