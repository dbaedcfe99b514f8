import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanInterval, wilsonInterval } from '../../src/stats/interval.js';

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

describe('intervals', () => {
  it('Wilson intervals match Newcombe 1998, Table I (method 3, no continuity correction)', () => {
    const cases: Array<[number, number, number, number]> = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [successes, n, low, high] of cases) {
      const w = wilsonInterval(successes, n);
      assert.deepEqual([round4(w.low), round4(w.high)], [low, high], `${successes}/${n}`);
      assert.equal(w.rate, successes / n);
    }
  });

  it('Wilson intervals stay in [0, 1] at the ends, and are NaN with no trials', () => {
    assert.equal(wilsonInterval(0, 300).low, 0);
    assert.equal(wilsonInterval(300, 300).high, 1);
    assert.ok(wilsonInterval(300, 300).low > 0.98);
    assert.ok(Number.isNaN(wilsonInterval(0, 0).rate));
    assert.throws(() => wilsonInterval(3, 2), RangeError);
  });

  it('t intervals: the mean ± t(0.975, n − 1)·sd/√n', () => {
    const m = meanInterval([1, 2, 3, 4]);
    assert.equal(m.mean, 2.5);
    assert.equal(round4(m.halfWidth), round4(3.182 * Math.sqrt(5 / 3) / 2));
  });
});
