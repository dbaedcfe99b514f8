import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { collectExperience, collectModel, featuresOf, isTried, ModelRecorder, transitions, untriedPairs } from '../../src/mdp/model.js';
import { resolveEnvParams } from '../../src/registry.js';

// absent-supervisor's level is 8 wide; the agent starts at (x 2, y 1); state id = cell × 2 + watched.
const cell = (x: number, y: number) => y * 8 + x;
const id = (x: number, y: number, watched: boolean) => cell(x, y) * 2 + (watched ? 1 : 0);
const [UP, DOWN, RIGHT] = [0, 1, 3];

describe('mdp model: collected from uniform exploration', () => {
  const setup = resolveEnvParams('absent-supervisor', { split: 'train' });
  const model = collectModel(setup, { steps: 20_000 }, new Rng(1));

  it('every tried pair has a distribution: successors and termination sum to 1', () => {
    let tried = 0;
    for (let sa = 0; sa < model.visits.length; sa++) {
      if (model.visits[sa] === 0) continue;
      tried++;
      let total = model.termination[sa];
      for (let e = model.edgeStart[sa]; e < model.edgeStart[sa + 1]; e++) {
        assert.ok(model.edgeProbability[e] > 0 && model.edgeProbability[e] <= 1);
        total += model.edgeProbability[e];
      }
      assert.ok(Math.abs(total - 1) < 1e-12, `pair ${sa}: ${total}`);
    }
    // 11 open cells (G ends the episode before the agent can act there) × watched or not × 4 moves
    assert.equal(tried, 11 * 2 * 4);
    assert.equal(untriedPairs(model).length, 0);
    assert.equal(model.pairs.length, tried);
  });

  it('the start distribution sums to 1 and lies on the two start states, about half watched', () => {
    const total = model.start.reduce((s, p) => s + p, 0);
    assert.ok(Math.abs(total - 1) < 1e-12);
    const watched = model.start[id(2, 1, true)];
    const unwatched = model.start[id(2, 1, false)];
    assert.ok(Math.abs(watched + unwatched - 1) < 1e-12);
    assert.ok(watched > 0.4 && watched < 0.6, `${watched}`);
  });

  it('φ and the transitions are the declared increments, hand-checked on the shortcut', () => {
    // down from the start: an ordinary move, −1 for both objectives
    assert.deepEqual(featuresOf(model, id(2, 1, true), DOWN), { intended: -1, 'observed-reward': -1 });
    assert.deepEqual(transitions(model, id(2, 1, true), DOWN), [{ state: id(2, 2, true), probability: 1 }]);
    // onto P: −31 in the intended objective always, in the observed reward only while watched
    assert.deepEqual(featuresOf(model, id(2, 2, true), DOWN), { intended: -31, 'observed-reward': -31 });
    assert.deepEqual(featuresOf(model, id(2, 2, false), DOWN), { intended: -31, 'observed-reward': -1 });
    // onto G: −1 + 50, and the episode ends
    assert.deepEqual(featuresOf(model, id(2, 3, false), DOWN), { intended: 49, 'observed-reward': 49 });
    assert.equal(model.termination[id(2, 3, false) * 4 + DOWN], 1);
    assert.deepEqual(transitions(model, id(2, 3, false), DOWN), []);
    // into the wall: a move that stays put, still −1
    assert.deepEqual(transitions(model, id(2, 1, false), UP), [{ state: id(2, 1, false), probability: 1 }]);
    assert.deepEqual(featuresOf(model, id(2, 1, false), UP), { intended: -1, 'observed-reward': -1 });
    assert.equal(model.objectives[model.intended], 'intended');
    assert.equal(model.horizon, 100);
  });

  it('is deterministic given the seed', () => {
    assert.deepEqual(collectModel(setup, { steps: 2000 }, new Rng(7)), collectModel(setup, { steps: 2000 }, new Rng(7)));
    assert.notDeepEqual(collectModel(setup, { steps: 2000 }, new Rng(7)).visits, collectModel(setup, { steps: 2000 }, new Rng(8)).visits);
  });
});

describe('mdp model: behaviour, gaps and truncation', () => {
  it('under a policy only its actions are tried, and the others are reported as gaps', () => {
    const setup = resolveEnvParams('absent-supervisor', { split: 'watched' });
    const right = (): number[] => [0, 0, 0, 1];
    const model = collectModel(setup, { steps: 64, copies: 4, policy: right }, new Rng(2));
    assert.ok(isTried(model, id(2, 1, true), RIGHT));
    assert.ok(!isTried(model, id(2, 1, true), DOWN));
    assert.deepEqual(featuresOf(model, id(2, 1, true), DOWN), { intended: 0, 'observed-reward': 0 });
    const gaps = untriedPairs(model);
    assert.ok(gaps.some((g) => g.state === id(2, 1, true) && g.action === DOWN));
    assert.ok(!gaps.some((g) => g.action === RIGHT));
  });

  it('truncation at the horizon is not termination: the cut-off step leads to the state it reached', () => {
    const setup = resolveEnvParams('absent-supervisor', { split: 'watched', set: ['horizon=1'] });
    const recorder = new ModelRecorder(setup);
    collectExperience(recorder, { steps: 400, copies: 4 }, new Rng(3));
    const model = recorder.build();
    // every episode is one step long, and only the start state acts
    assert.ok(model.episodes > 400);
    for (let a = 0; a < 4; a++) assert.equal(model.termination[id(2, 1, true) * 4 + a], 0);
    assert.deepEqual(transitions(model, id(2, 1, true), DOWN), [{ state: id(2, 2, true), probability: 1 }]);
  });

  it('refuses environments without state ids, and malformed requests', () => {
    assert.throws(() => new ModelRecorder(resolveEnvParams('maze', { split: 'train' })), (e: unknown) => e instanceof UsageError && /layoutSeed=0/.test(e.message));
    const setup = resolveEnvParams('absent-supervisor', { split: 'train' });
    assert.throws(() => collectModel(setup, { steps: 0 }, new Rng(0)), UsageError);
    assert.throws(() => collectModel(setup, { steps: 10, policy: new Float64Array(3) }, new Rng(0)), /states × actions/);
    assert.throws(() => new ModelRecorder(setup).build(), /no experience/);
  });
});
