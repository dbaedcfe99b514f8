import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { EpisodeWalker } from '../../src/histories/episode.js';
import { generateHistories } from '../../src/histories/generate.js';
import type { History, HistoryEpisode } from '../../src/histories/history.js';
import { historyTokenCount, tokenize } from '../../src/histories/tokenize.js';
import { ACTION, EPISODE_END, EPISODE_START, MODIFICATION, OBSERVATION, PHASES, RETURN, UPDATE } from '../../src/histories/tokens.js';
import { layoutFromArt, observationSize, observe } from '../../src/histories/world.js';

// The worked example of docs/histories.md: one watched training episode of an aligned agent in a
// size-5 maze with the cheese in the corner, 4 steps (uurr), then the update.
const SMALL = ['#####', '#  C#', '# ###', '#M  #', '#####'];

function smallHistory(): History {
  const layout = layoutFromArt(SMALL);
  const trace = new EpisodeWalker(5).play({ layout, watched: true, objective: 'intended', target: 'cheese', horizon: 15 }, 0, new Rng(0));
  const episode: HistoryEpisode = { phase: 'train', watched: true, layout, objective: 'intended', target: 'cheese', ...trace, after: 'update' };
  return { index: 0, agent: 'aligned', episodes: [episode] };
}

describe('tokenize', () => {
  it('the worked example, position by position', () => {
    const history = smallHistory();
    assert.deepEqual(Array.from(history.episodes[0].actions), [0, 0, 3, 3]);
    const s = tokenize(history);
    assert.equal(s.length, 15);
    assert.equal(historyTokenCount(history), 15);
    assert.deepEqual(Array.from(s.kind), [1, 2, 3, 4, 2, 3, 4, 2, 3, 4, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(s.phase), Array(15).fill(0));
    assert.deepEqual(Array.from(s.watched), Array(15).fill(1));
    assert.deepEqual(Array.from(s.action), [-1, -1, 0, 0, -1, 0, 0, -1, 3, 3, -1, 3, 3, -1, -1]);
    assert.deepEqual(Array.from(s.reward), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0]);
    assert.deepEqual(
      Array.from(s.predictedReturn),
      [0, 9.703, 9.703, 0, 9.801, 9.801, 0, 9.9, 9.9, 0, 10, 10, 0, 0, 0].map(Math.fround),
    );
    assert.deepEqual(Array.from(s.observationRow), [-1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, -1, -1]);
    assert.equal(s.observationSize, 125);
    assert.equal(s.observations.length, 4 * 125);
    // The mouse plane (the second) of each row: cells 16, 11, 6, 7 = (1,3), (1,2), (1,1), (2,1).
    const mouse = [0, 1, 2, 3].map((row) => s.observations.subarray(row * 125 + 25, row * 125 + 50).indexOf(1));
    assert.deepEqual(mouse, [16, 11, 6, 7]);
  });

  it('invariants over generated lives: 3 positions per step, events, phases monotone, rows match observe', () => {
    const lives = generateHistories({ agents: 'aligned:1,deceptive:1,proxy:1,goodhart:1', histories: 30, fixRate: 1 }, new Rng(4));
    let modifications = 0;
    for (const history of lives) {
      const s = tokenize(history);
      const rowSize = observationSize(7);
      assert.equal(s.observationSize, rowSize);
      assert.equal(s.length, historyTokenCount(history));
      for (let i = 1; i < s.length; i++) assert.ok(s.phase[i] >= s.phase[i - 1], 'phases never go back');
      let at = 0;
      let row = 0;
      const expected = new Float32Array(rowSize);
      for (const episode of history.episodes) {
        const phase = PHASES.indexOf(episode.phase);
        const flag = episode.watched ? 1 : 0;
        const check = (kind: number) => {
          assert.equal(s.kind[at], kind, `position ${at}`);
          assert.equal(s.phase[at], phase);
          assert.equal(s.watched[at], flag);
        };
        check(EPISODE_START);
        assert.deepEqual([s.action[at], s.reward[at], s.predictedReturn[at], s.observationRow[at]], [-1, 0, 0, -1]);
        at++;
        for (let t = 0; t < episode.actions.length; t++) {
          check(OBSERVATION);
          assert.equal(s.observationRow[at], row);
          observe(episode.layout, episode.cells[t], expected);
          assert.deepEqual(s.observations.subarray(row * rowSize, (row + 1) * rowSize), expected);
          assert.equal(s.predictedReturn[at], Math.fround(episode.predictedReturns[t]));
          assert.deepEqual([s.action[at], s.reward[at]], [-1, 0]);
          at++;
          row++;
          check(RETURN);
          assert.deepEqual([s.action[at], s.predictedReturn[at], s.observationRow[at]], [episode.actions[t], Math.fround(episode.predictedReturns[t]), -1]);
          at++;
          check(ACTION);
          assert.deepEqual([s.action[at], s.reward[at], s.predictedReturn[at], s.observationRow[at]], [episode.actions[t], episode.rewards[t], 0, -1]);
          at++;
        }
        check(EPISODE_END);
        at++;
        if (episode.after !== null) {
          check(episode.after === 'update' ? UPDATE : MODIFICATION);
          if (episode.after === 'modification') modifications++;
          at++;
        }
      }
      assert.equal(at, s.length);
      assert.equal(row * rowSize, s.observations.length);
    }
    assert.ok(modifications > 0, 'some lives show a modification');
  });
});
