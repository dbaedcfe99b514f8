import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gae, standardize, truncatedReturns, type RolloutView } from '../../src/algos/returns.js';

function rollout(rewards: number[], values: number[], ends: Array<'' | 'term' | 'trunc'>, nextValue: number, finalValue = 0): RolloutView {
  const T = rewards.length;
  return {
    steps: T,
    envs: 1,
    rewards: Float32Array.from(rewards),
    values: Float32Array.from(values),
    terminated: Uint8Array.from(ends, (e) => (e === 'term' ? 1 : 0)),
    truncated: Uint8Array.from(ends, (e) => (e === 'trunc' ? 1 : 0)),
    finalValues: Float32Array.from(ends, (e) => (e === 'trunc' ? finalValue : 0)),
    nextValues: Float32Array.of(nextValue),
  };
}

const close = (actual: Float32Array, expected: number[]) =>
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) < 1e-5, `[${i}] ${actual[i]} ≠ ${e}`));

describe('returns', () => {
  it('GAE with λ = 1 is the discounted return minus the value; with λ = 0 the one-step TD error', () => {
    const r = rollout([1, 2, 3], [0.5, 0.5, 0.5], ['', '', ''], 4);
    const adv = new Float32Array(3);
    const ret = new Float32Array(3);
    gae(r, 0.5, 1, adv, ret);
    // G2 = 3 + 0.5·4 = 5; G1 = 2 + 0.5·5 = 4.5; G0 = 1 + 0.5·4.5 = 3.25
    close(ret, [3.25, 4.5, 5]);
    close(adv, [2.75, 4, 4.5]);
    gae(r, 0.5, 0, adv, ret);
    close(adv, [1 + 0.25 - 0.5, 2 + 0.25 - 0.5, 3 + 2 - 0.5]);
  });

  it('GAE stops at termination and bootstraps a truncated episode from its final observation', () => {
    const adv = new Float32Array(3);
    const ret = new Float32Array(3);
    gae(rollout([1, 1, 1], [0, 0, 0], ['', 'term', ''], 10), 1, 1, adv, ret);
    close(ret, [2, 1, 11]);
    gae(rollout([1, 1, 1], [0, 0, 0], ['', 'trunc', ''], 10, 7), 1, 1, adv, ret);
    close(ret, [9, 8, 11]);
  });

  it('a reward horizon H counts only the next H rewards, and masks windows that leave the rollout', () => {
    const r = rollout([1, 2, 4, 8, 16], [0, 0, 0, 0, 0], ['', '', 'term', '', ''], 0);
    const ret = new Float32Array(5);
    const mask = new Uint8Array(5);
    truncatedReturns(r, 0.5, 2, ret, mask);
    // t0: 1 + 0.5·2 = 2; t1: 2 + 0.5·4 = 4; t2: 4 (terminated); t3: 8 + 0.5·16 = 16; t4: window leaves the rollout.
    close(ret, [2, 4, 4, 16, 16]);
    assert.deepEqual(Array.from(mask), [1, 1, 1, 1, 0]);
    truncatedReturns(r, 1, 1, ret, mask);
    close(ret, [1, 2, 4, 8, 16]);
    assert.deepEqual(Array.from(mask), [1, 1, 1, 1, 1]);
  });

  it('standardize gives mean 0 and sample sd 1 over the first n values only, and leaves a single value alone', () => {
    const v = Float32Array.from([1, 2, 3, 4, 99]);
    standardize(v, 4);
    // mean 2.5, sample sd √(5/3) ≈ 1.29099
    close(v, [-1.161895, -0.387298, 0.387298, 1.161895, 99]);
    const one = Float32Array.of(7);
    standardize(one, 1);
    assert.equal(one[0], 7);
  });
});
