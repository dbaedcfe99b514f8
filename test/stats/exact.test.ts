import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { betaQuantile, clopperPearson, exactUpperBound, incompleteBeta, logGamma, pairedPermutationTest } from '../../src/stats/exact.js';

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

describe('exact statistics', () => {
  it('the incomplete beta function and ln Γ agree with closed forms', () => {
    assert.ok(Math.abs(logGamma(5) - Math.log(24)) < 1e-12);
    assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-12);
    // Beta(2, 3) distribution function: 6x² − 8x³ + 3x⁴ at 0.5 is 11/16
    assert.ok(Math.abs(incompleteBeta(0.5, 2, 3) - 11 / 16) < 1e-12);
    // Beta(1, 1) is uniform; I_x(a, b) = 1 − I_{1−x}(b, a)
    assert.ok(Math.abs(incompleteBeta(0.3, 1, 1) - 0.3) < 1e-12);
    assert.ok(Math.abs(incompleteBeta(0.2, 3.5, 7) + incompleteBeta(0.8, 7, 3.5) - 1) < 1e-12);
    assert.ok(Math.abs(incompleteBeta(betaQuantile(0.9, 4, 9), 4, 9) - 0.9) < 1e-10);
  });

  it('Clopper–Pearson intervals match Newcombe 1998, Table I (method 5, exact)', () => {
    const cases: Array<[number, number, number, number]> = [
      [81, 263, 0.2527, 0.3676],
      [15, 148, 0.0578, 0.1617],
      [0, 20, 0, 0.1684],
      [1, 29, 0.0009, 0.1776],
    ];
    for (const [successes, n, low, high] of cases) {
      const c = clopperPearson(successes, n);
      assert.deepEqual([round4(c.low), round4(c.high)], [low, high], `${successes}/${n}`);
    }
    assert.deepEqual([clopperPearson(10, 10).high, round4(clopperPearson(10, 10).low)], [1, 0.6915]);
    assert.throws(() => clopperPearson(3, 2), RangeError);
    assert.throws(() => clopperPearson(0, 0), RangeError);
  });

  it('the one-sided upper bound at zero events is 1 − 0.05^(1/n), the rule of three', () => {
    for (const n of [10, 30, 100, 300]) {
      const bound = exactUpperBound(0, n).high;
      assert.ok(Math.abs(bound - (1 - 0.05 ** (1 / n))) < 1e-15);
      assert.ok(Math.abs(bound - 3 / n) < 0.2 * (3 / n), `${n}: ${bound} vs 3/n`);
    }
    // with events it is the Beta(k + 1, n − k) 95% quantile: the rate at which k or fewer has probability 5%
    const { high } = exactUpperBound(2, 50);
    let atMostTwo = 0;
    for (let k = 0; k <= 2; k++) atMostTwo += Math.exp(logGamma(51) - logGamma(k + 1) - logGamma(51 - k) + k * Math.log(high) + (50 - k) * Math.log(1 - high));
    assert.ok(Math.abs(atMostTwo - 0.05) < 1e-9, `P(X ≤ 2 | p = ${high}) = ${atMostTwo}`);
  });

  it('paired permutation tests: exact by enumeration for small n, seeded Monte Carlo for large n', () => {
    // five pairs, all differences positive: 2 of the 32 sign patterns are as extreme (all + and all −)
    const exact = pairedPermutationTest([3, 4, 5, 6, 7], [1, 1, 1, 1, 1], new Rng(0));
    assert.deepEqual([exact.exact, exact.pValue, exact.statistic], [true, 2 / 32, 4]);
    // no difference at all: p = 1
    assert.equal(pairedPermutationTest([1, 2, 3], [1, 2, 3], new Rng(0)).pValue, 1);
    // 40 pairs shifted by 1 with noise: a clear effect; the same seed gives the same p
    const rng = new Rng(5);
    const a = Array.from({ length: 40 }, () => 1 + rng.float());
    const b = Array.from({ length: 40 }, () => rng.float());
    const first = pairedPermutationTest(a, b, new Rng(1), 2000);
    assert.ok(first.pValue < 0.001 && !first.exact);
    assert.equal(pairedPermutationTest(a, b, new Rng(1), 2000).pValue, first.pValue);
    // under the null (both halves from one distribution) p-values are not small
    const c = Array.from({ length: 40 }, () => rng.float());
    assert.ok(pairedPermutationTest(b, c, new Rng(2), 2000).pValue > 0.05);
    assert.throws(() => pairedPermutationTest([1], [1, 2], new Rng(0)), RangeError);
  });
});
