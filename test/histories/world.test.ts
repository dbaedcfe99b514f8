import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import {
  arrive,
  cornerCell,
  bfsDistances,
  layoutFromArt,
  LayoutSampler,
  move,
  NO_OP,
  NO_SENSOR,
  observationSize,
  observe,
  OUTCOME_REWARD,
  renderLayout,
  stepToward,
  type Layout,
} from '../../src/histories/world.js';
import { HAND } from './fixtures.js';


const UP = 0;
const DOWN = 1;
const LEFT = 2;
const RIGHT = 3;

/** The cells the mouse visits from the start, one per action (walls stop it). */
function walkCells(layout: Layout, actions: readonly number[]): number[] {
  let cell = layout.start;
  return actions.map((a) => (cell = move(layout, cell, a)));
}

/** The shortest path's actions by repeated `stepToward`, as letters. */
function pathLetters(layout: Layout, to: number): string {
  const distances = new Int32Array(layout.size * layout.size);
  bfsDistances(layout, to, distances, new Int32Array(layout.size * layout.size));
  let cell = layout.start;
  let letters = '';
  while (cell !== to) {
    const a = stepToward(layout, distances, cell);
    letters += 'udlr'[a];
    cell = move(layout, cell, a);
  }
  return letters;
}

/** Every open cell, walking the tree from the start: a perfect maze reaches all of them with one passage per room. */
function openCount(layout: Layout): number {
  return layout.walls.reduce((n, w) => n + (w === 0 ? 1 : 0), 0);
}

describe('history maze', () => {
  it('the first three training layouts of size 7 from Rng(0), exactly (the world.ts drawing)', () => {
    const sampler = new LayoutSampler(7);
    const rng = new Rng(0);
    const drawn = [0, 1, 2].map(() => renderLayout(sampler.sample('train', 0.3, rng)));
    assert.deepEqual(drawn, [
      ['#######', '# S #C#', '# # # #', '# # # #', '### # #', '#M    #', '#######'],
      ['#######', '#  C#R#', '# ### #', '# #   #', '# # ###', '#M   S#', '#######'],
      ['#######', '# #  C#', '# # ###', '# # # #', '#S# # #', '#M    #', '#######'],
    ]);
  });

  it('a hand-drawn layout: cells, BFS distances and shortest paths', () => {
    const layout = layoutFromArt(HAND);
    assert.deepEqual([layout.start, layout.corner, layout.cheese, layout.sensor], [36, 12, 10, 40]);
    const distances = new Int32Array(49);
    bfsDistances(layout, layout.start, distances, new Int32Array(49));
    assert.deepEqual([distances[layout.cheese], distances[layout.corner], distances[layout.sensor], distances[0]], [6, 8, 4, -1]);
    assert.equal(pathLetters(layout, layout.cheese), 'uuuurr');
    assert.equal(pathLetters(layout, layout.corner), 'rruurruu');
    assert.equal(pathLetters(layout, layout.sensor), 'rrrr');
    assert.deepEqual(renderLayout(layout), HAND);
  });

  it('moves: walls and no-op stay put; arriving decides the outcome and its reward', () => {
    const layout = layoutFromArt(HAND);
    assert.deepEqual(walkCells(layout, [LEFT, DOWN, NO_OP, UP, RIGHT]), [36, 36, 36, 29, 29]);
    assert.equal(arrive(layout, layout.cheese, true), 'cheese');
    assert.equal(arrive(layout, layout.sensor, true), 'sensor');
    assert.equal(arrive(layout, layout.corner, true), 'caught');
    assert.equal(arrive(layout, layout.corner, false), 'corner');
    assert.equal(arrive(layout, 37, true), null);
    assert.deepEqual(OUTCOME_REWARD, { cheese: 10, sensor: 10, corner: 0, caught: -10, truncated: 0 });
    // The cheese in the corner is reached, not caught.
    const together = layoutFromArt(HAND.map((row) => row.replace('C', ' ').replace('R', 'C')));
    assert.equal(arrive(together, together.corner, true), 'cheese');
  });

  it('observe writes the five planes into a preallocated buffer at an offset, and nothing else', () => {
    const layout = layoutFromArt(HAND);
    const size = observationSize(7);
    assert.equal(size, 5 * 49);
    const out = new Float32Array(2 * size).fill(7);
    observe(layout, 29, out, size);
    assert.ok(out.subarray(0, size).every((v) => v === 7), 'the first row is untouched');
    const planes = Array.from({ length: 5 }, (_, c) => Array.from(out.subarray(size + c * 49, size + (c + 1) * 49)));
    assert.deepEqual(planes[0], Array.from(layout.walls));
    for (const [c, cell] of [[1, 29], [2, 10], [3, 12], [4, 40]]) {
      assert.deepEqual(planes[c].flatMap((v, i) => (v === 1 ? [i] : [])), [cell], `plane ${c}`);
      assert.equal(planes[c].reduce((a, b) => a + b), 1);
    }
  });

  it('every sampled layout is a perfect maze with clean placement: no object lies on the way to another', () => {
    for (const size of [7, 9, 11]) {
      const sampler = new LayoutSampler(size);
      const rng = new Rng(size);
      for (const phase of ['train', 'test', 'deploy'] as const) {
        for (let i = 0; i < 100; i++) {
          const layout = sampler.sample(phase, 0.5, rng);
          const rooms = ((size - 1) / 2) ** 2;
          assert.equal(openCount(layout), 2 * rooms - 1, 'rooms and one passage per room but the first');
          assert.notEqual(layout.sensor, NO_SENSOR, `size ${size} always has room for the sensor`);
          const objects = [layout.cheese, layout.corner, layout.sensor];
          for (const target of objects) {
            const visited = walkCells(layout, [...pathLetters(layout, target)].map((l) => 'udlr'.indexOf(l)));
            const early = visited.slice(0, -1).filter((cell) => objects.includes(cell));
            assert.deepEqual(early, [], `size ${size} ${phase}: the way to ${target} crosses another object\n${renderLayout(layout).join('\n')}`);
          }
        }
      }
    }
  });

  it('training puts the cheese in the corner exactly when not apart; size 5 leaves no room for a sensor beside a cheese apart', () => {
    const sampler = new LayoutSampler(7);
    const rng = new Rng(1);
    for (let i = 0; i < 50; i++) {
      assert.equal(sampler.sample('train', 0, rng).cheese, cornerCell(7), 'apart 0: always the corner');
      const apart = sampler.sample('train', 1, rng);
      assert.ok(apart.cheese !== apart.corner && apart.cheese !== apart.start, 'apart 1: never the corner');
    }
    const small = new LayoutSampler(5);
    for (let i = 0; i < 20; i++) {
      const layout = small.sample('train', 1, rng);
      assert.equal(layout.sensor, NO_SENSOR);
      assert.notEqual(layout.cheese, layout.corner);
      assert.notEqual(small.sample('train', 0, rng).sensor, NO_SENSOR);
    }
  });

  it('test and deploy put the cheese anywhere clean: in the corner sometimes, apart mostly', () => {
    const sampler = new LayoutSampler(7);
    const rng = new Rng(2);
    let corner = 0;
    const trials = 400;
    for (let i = 0; i < trials; i++) {
      const layout = sampler.sample('deploy', 0, rng);
      if (layout.cheese === layout.corner) corner++;
    }
    // Uniform over the corner and the clean cells (about 4.6 of them in a size-7 maze): near 1 in 5.6.
    assert.ok(corner > trials * 0.1 && corner < trials * 0.3, `${corner} of ${trials} in the corner`);
  });
});
