import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { initialValues, normal, orthogonal, orthogonalValues, uniform, zeros } from '../../src/nn/init.js';

/** Gram matrix of the columns (tall) or rows (wide) of a row-major [rows, cols] matrix. */
function gram(values: Float32Array, rows: number, cols: number, ofColumns: boolean): number[][] {
  const n = ofColumns ? cols : rows;
  const len = ofColumns ? rows : cols;
  const at = (v: number, t: number): number => (ofColumns ? values[t * cols + v] : values[v * cols + t]);
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let t = 0; t < len; t++) s += at(i, t) * at(j, t);
      return s;
    }),
  );
}

describe('initialisation', () => {
  for (const [rows, cols] of [
    [147, 64],
    [16, 40],
    [9, 9],
  ]) {
    it(`orthogonal [${rows}, ${cols}] has orthonormal ${rows >= cols ? 'columns' : 'rows'} times the gain`, () => {
      const gain = Math.SQRT2;
      const w = orthogonalValues([rows, cols], gain, new Rng(3));
      const g = gram(w, rows, cols, rows >= cols);
      for (let i = 0; i < g.length; i++) {
        for (let j = 0; j < g.length; j++) assert.ok(Math.abs(g[i][j] - (i === j ? gain * gain : 0)) < 1e-5, `gram[${i}][${j}] = ${g[i][j]}`);
      }
    });
  }

  it('orthogonal over a conv kernel [3, 3, c, o] treats 3·3·c as rows', () => {
    const w = orthogonalValues([3, 3, 4, 8], 1, new Rng(1));
    const g = gram(w, 36, 8, true);
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(g[i][i] - 1) < 1e-5);
  });

  it('the same seed gives identical values; another seed, different ones', () => {
    for (const init of [orthogonal(2), normal(0.1), uniform(0.5)]) {
      const a = initialValues(init, [20, 10], new Rng(42));
      const b = initialValues(init, [20, 10], new Rng(42));
      const c = initialValues(init, [20, 10], new Rng(43));
      assert.deepEqual(a, b, init.kind);
      assert.notDeepEqual(a, c, init.kind);
    }
    assert.ok(initialValues(zeros, [3], new Rng(1)).every((v) => v === 0));
  });

  it('normal and uniform have the requested spread', () => {
    const n = initialValues(normal(0.5), [100000], new Rng(5));
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const std = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(std - 0.5) < 0.01, `mean ${mean}, std ${std}`);
    const u = initialValues(uniform(0.3), [10000], new Rng(6));
    assert.ok(u.every((v) => Math.abs(v) <= 0.3));
    assert.ok(Math.max(...u) > 0.29 && Math.min(...u) < -0.29);
  });
});
