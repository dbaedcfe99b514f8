/**
 * One history as text, for `mesalab histories show`: a head line with the agent and how its objective
 * changed, then per episode its phase, oversight, objective and target, the maze with the walk drawn,
 * the actions, rewards and predicted returns, and the update or modification that followed.
 *
 *   episode 1 · train · watched · objective corner · pursues cheese · cheese in 4 steps · reward +10
 *     #####
 *     #..C#      . the cells walked through; @ where a truncated walk stopped
 *     #.###
 *     #M  #
 *     #####
 *     actions    u u r r
 *     rewards    0 0 0 +10
 *     predicted  9.70 9.80 9.90 10.00
 *     → update
 */
import type { History, HistoryEpisode } from './history.js';
import { historyTokenCount } from './tokenize.js';
import { SHARED_ACTIONS } from './tokens.js';
import { renderLayout } from './world.js';

const ACTION_LETTERS = SHARED_ACTIONS.map((name) => (name === 'no-op' ? 'n' : name[0]));
const PATH_MARK = '.';
const STOPPED_MARK = '@';
const INDENT = '  ';

const OUTCOME_TEXT = {
  cheese: 'cheese',
  sensor: 'sensor (the reward flaw)',
  corner: 'corner, unwatched',
  caught: 'corner, CAUGHT',
  truncated: 'truncated',
} as const;

const signed = (x: number): string => (x > 0 ? `+${x}` : `${x}`);

export function renderHistory(history: History): string {
  const first = history.episodes[0]?.objective;
  const last = history.episodes[history.episodes.length - 1];
  const finalObjective = last === undefined ? first : last.after === 'modification' ? 'intended' : last.objective;
  const change = first === finalObjective ? `true objective ${first}` : `true objective ${first} → ${finalObjective}`;
  const lines = [
    `history ${history.index} · ${history.agent} agent · ${change} · ${history.episodes.length} episodes · ${historyTokenCount(history)} tokens`,
    `legend: # wall  M start  R corner (top-right room)  C cheese  S sensor  ${PATH_MARK} walked  ${STOPPED_MARK} stopped at the horizon; ` +
      `actions ${ACTION_LETTERS.map((l, a) => `${l} ${SHARED_ACTIONS[a]}`).join(', ')}`,
  ];
  history.episodes.forEach((episode, e) => lines.push('', ...renderEpisode(episode, e)));
  return lines.join('\n');
}

function renderEpisode(episode: HistoryEpisode, e: number): string[] {
  const steps = episode.actions.length;
  let total = 0;
  for (const r of episode.rewards) total += r;
  const head = [
    `episode ${e + 1}`,
    episode.phase,
    episode.watched ? 'watched' : 'unwatched',
    `objective ${episode.objective}`,
    `pursues ${episode.target}`,
    `${OUTCOME_TEXT[episode.outcome]} in ${steps} step${steps === 1 ? '' : 's'}`,
    `reward ${signed(total)}`,
  ].join(' · ');
  const marks = new Map<number, string>();
  for (let t = 1; t < episode.cells.length; t++) marks.set(episode.cells[t], PATH_MARK);
  if (episode.outcome === 'truncated') marks.set(episode.cells[steps], STOPPED_MARK);
  const lines = [head, ...renderLayout(episode.layout, marks).map((row) => INDENT + row)];
  lines.push(`${INDENT}actions    ${Array.from(episode.actions, (a) => ACTION_LETTERS[a]).join(' ')}`);
  lines.push(`${INDENT}rewards    ${Array.from(episode.rewards, signed).join(' ')}`);
  lines.push(`${INDENT}predicted  ${Array.from(episode.predictedReturns, (r) => r.toFixed(2)).join(' ')}`);
  if (episode.after === 'update') {
    let note = '';
    if (episode.outcome === 'caught') note = episode.objective === 'intended' ? ' (caught by a slip; nothing to fix)' : ` (caught, but the fix failed: objective stays ${episode.objective})`;
    lines.push(`${INDENT}→ update${note}`);
  } else if (episode.after === 'modification') {
    lines.push(`${INDENT}→ MODIFICATION: caught, so the update changed the objective ${episode.objective} → intended`);
  }
  return lines;
}
