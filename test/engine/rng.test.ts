import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';

describe('Rng', () => {
  it('gives the same stream for the same seed, and a different one for another seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 100 }, () => a.uint32());
    const sb = Array.from({ length: 100 }, () => b.uint32());
    const sc = Array.from({ length: 100 }, () => c.uint32());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  it('is pinned: these first outputs for seed 0 must never change (every stored result depends on them)', () => {
    const rng = new Rng(0);
    const first = Array.from({ length: 4 }, () => rng.uint32());
    // Regression pin of sfc32 seeded through splitmix32 (this file's algorithm, computed once).
    assert.deepEqual(first, PINNED_SEED_0);
  });

  it('matches an independent BigInt implementation of sfc32 seeded by splitmix32', () => {
    for (const seed of [0, 1, 12345, 4294967295]) {
      const rng = new Rng(seed);
      assert.deepEqual(Array.from({ length: 64 }, () => rng.uint32()), referenceStream(seed, 64), `seed ${seed}`);
    }
  });

  it('int(n) is uniform: chi-square over 6 buckets stays below the 0.999 quantile', () => {
    const rng = new Rng(7);
    const counts = new Array(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i++) counts[rng.int(6)]++;
    const expected = n / 6;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 20.52, `chi2 = ${chi2}`); // χ²(5) 0.999 quantile
  });

  it('float() lies in [0, 1) with mean ≈ 1/2', () => {
    const rng = new Rng(9);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = rng.float();
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    // sd of the mean = sqrt(1/12/n) ≈ 0.00091; allow 5 sd.
    assert.ok(Math.abs(sum / n - 0.5) < 0.0046);
  });

  it('restores a saved state exactly, and rejects bad arguments', () => {
    const rng = new Rng(3);
    rng.uint32();
    const saved = rng.state();
    const next = [rng.uint32(), rng.uint32()];
    rng.setState(saved);
    assert.deepEqual([rng.uint32(), rng.uint32()], next);
    assert.throws(() => rng.int(0), RangeError);
    assert.throws(() => rng.int(2.5), RangeError);
    assert.throws(() => new Rng(NaN), RangeError);
  });

  it('shuffle is a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    new Rng(1).shuffle(items);
    assert.deepEqual([...items].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  });
});

const PINNED_SEED_0 = [2899526011, 769844623, 220372281, 4270301181];

/** An independent sfc32 + splitmix32 in BigInt arithmetic, to check the 32-bit one against. */
function referenceStream(seed: number, count: number): number[] {
  const M = (1n << 32n) - 1n;
  const mul = (a: bigint, b: bigint) => (a * b) & M;
  let s = BigInt(seed >>> 0);
  const split = () => {
    s = (s + 0x9e3779b9n) & M;
    let z = s;
    z = mul(z ^ (z >> 16n), 0x21f0aaadn);
    z = mul(z ^ (z >> 15n), 0x735a2d97n);
    return z ^ (z >> 15n);
  };
  let a = split();
  let b = split();
  let c = split();
  let d = 1n;
  const next = () => {
    const t = (a + b + d) & M;
    d = (d + 1n) & M;
    a = b ^ (b >> 9n);
    b = (c + (c << 3n)) & M;
    c = ((c << 21n) | (c >> 11n)) & M;
    c = (c + t) & M;
    return Number(t);
  };
  for (let i = 0; i < 12; i++) next();
  return Array.from({ length: count }, next);
}
