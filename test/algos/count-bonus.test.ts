import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CountBonus } from '../../src/algos/count-bonus.js';
import { PPO_DEFAULTS, ppo } from '../../src/algos/ppo.js';
import { resolveEnvParams } from '../../src/registry.js';

/** Two observations of 6 cells, one per row. */
const rows = Float32Array.from([1, 0, 0, 1, 0, 0, /* */ 0, 1, 0, 1, 0, 0]);

describe('count bonus', () => {
  it('pays β/√n for the n-th visit to the same observation', () => {
    const bonus = new CountBonus(2);
    assert.equal(bonus.visit(rows, 0, 6), 2);
    assert.equal(bonus.visit(rows, 0, 6), 2 / Math.SQRT2);
    assert.equal(bonus.visit(rows, 0, 6), 2 / Math.sqrt(3));
  });

  it('counts a different observation apart, and the same cells at another row together', () => {
    const bonus = new CountBonus(1);
    bonus.visit(rows, 0, 6);
    assert.equal(bonus.visit(rows, 1, 6), 1, 'row 1 differs from row 0: a first visit');
    const copy = Float32Array.from([0, 0, 0, 0, 0, 0, ...rows.subarray(0, 6)]);
    assert.equal(bonus.visit(copy, 1, 6), 1 / Math.SQRT2, 'row 0\'s cells at row 1: a second visit');
  });

  it('restores its counts from a checkpoint, and refuses a table of another size', () => {
    const bonus = new CountBonus(1, 8);
    bonus.visit(rows, 0, 6);
    const restored = new CountBonus(1, 8);
    restored.load(Uint32Array.from(bonus.counts));
    assert.equal(restored.visit(rows, 0, 6), 1 / Math.SQRT2);
    assert.throws(() => new CountBonus(1, 9).load(bonus.counts), /256 slots; this trainer's table has 512/);
  });

  it('ppo refuses a negative bonus with a message that says what is allowed', () => {
    const { spec, params } = resolveEnvParams('absent-supervisor', { split: 'watched' });
    const setup = { spec, params, split: 'watched', seed: 0, myopia: { gamma: 0.99, rewardHorizon: 0 }, budget: 1000 };
    assert.throws(() => ppo.check!(setup, { ...PPO_DEFAULTS, explorationBonus: -1 }), /explorationBonus is β ≥ 0 \(0: none\); got -1/);
    assert.doesNotThrow(() => ppo.check!(setup, { ...PPO_DEFAULTS, explorationBonus: 100 }));
  });
});
