import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { assemble, FunctionBuilder, I32 } from '../../src/nn/simd/assembler.js';
import { adamKernel, columnSumsKernel, sumSquaresKernel, tanhGradKernel, tanhKernel, transposeKernel } from '../../src/nn/simd/elementwise.js';
import { gemm, type GemmShape } from '../../src/nn/simd/gemm.js';

type Kernel = (...args: number[]) => number;

/** Instantiate generated functions over a fresh memory of `pages` 64 KiB pages. */
function instantiate(functions: FunctionBuilder[], pages = 16) {
  const bytes = assemble(functions);
  assert.ok(WebAssembly.validate(bytes), 'the module validates');
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return { kernels: instance.exports as unknown as Record<string, Kernel>, heap: new Float32Array(memory.buffer) };
}

function fill(heap: Float32Array, at: number, count: number, rng: Rng): void {
  for (let i = 0; i < count; i++) heap[(at >> 2) + i] = rng.float() * 2 - 1;
}

describe('simd assembler', () => {
  it('encodes constants, locals and control flow that run: a loop summing 1..n, with i32 and f32 constants across LEB boundaries', () => {
    const f = new FunctionBuilder('sum', [I32], [I32]);
    const n = f.param(0);
    const total = f.local(I32);
    f.i32(0).set(total);
    f.block().loop();
    f.get(n).i32Eqz().brIf(1);
    f.get(total).get(n).i32Add().set(total);
    f.get(n).i32(1).i32Sub().set(n);
    f.br(0);
    f.end().end();
    f.get(total);
    const big = new FunctionBuilder('constants', [], [I32]);
    big.i32(-70000).i32(200000).i32Add(); // multi-byte signed LEBs, negative and positive
    const { kernels } = instantiate([f, big], 1);
    assert.equal(kernels.sum(100), 5050);
    assert.equal(kernels.sum(0), 0);
    assert.equal(kernels.constants(), 130000);
  });

  it('refuses unbalanced blocks and parameters that do not exist', () => {
    const f = new FunctionBuilder('open', []);
    f.block();
    assert.throws(() => assemble([f]), /open has 1 unclosed blocks/);
    assert.throws(() => new FunctionBuilder('closed', []).end(), /unbalanced end in closed/);
    assert.throws(() => new FunctionBuilder('p', [I32]).param(1), /p has no parameter 1/);
  });
});

describe('simd gemm', () => {
  /** C = A·B (+ bias) in float64 from the same memory, A read through the shape's strides. */
  function reference(heap: Float32Array, s: GemmShape, c: number, a: number, b: number, m: number, k: number, bias: number) {
    const out: number[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < s.n; j++) {
        let sum = s.bias ? heap[(bias >> 2) + j] : 0;
        for (let p = 0; p < k; p++) sum += heap[(a >> 2) + i * s.aRow + p * s.aStep] * heap[(b >> 2) + p * s.bRow + j];
        out.push(sum);
      }
    }
    void c;
    return out;
  }

  const shapes: Array<{ m: number; k: number; n: number; transposed: boolean; bias: boolean; mr?: number; nr?: number }> = [
    { m: 7, k: 13, n: 20, transposed: false, bias: true }, // row tail 1, column tail 4 (2×16 tiles)
    { m: 9, k: 5, n: 12, transposed: true, bias: false, mr: 4, nr: 8 }, // Aᵀ·B, row tail 1, column tail 4
    { m: 6, k: 1, n: 4, transposed: false, bias: false, mr: 4, nr: 4 },
    { m: 1, k: 30, n: 36, transposed: true, bias: true, mr: 2, nr: 16 }, // only the tail stripe
    { m: 4, k: 0, n: 8, transposed: false, bias: true }, // k = 0: the bias alone
  ];
  for (const { m, k, n, transposed, bias, mr, nr } of shapes) {
    it(`${transposed ? 'Aᵀ·B' : 'A·B'}${bias ? ' + bias' : ''}, m ${m} k ${k} n ${n}${mr ? `, tiles ${mr}×${nr}` : ''}: within 1e-5 of float64, the same bits on a rerun`, () => {
      const width = transposed ? m + 3 : k + 3; // A's stored row width, wider than it is used
      const shape: GemmShape = { name: 'g', n, aRow: transposed ? 1 : width, aStep: transposed ? width : 1, bRow: n + 4, cRow: n + 8, bias, mr, nr };
      const { kernels, heap } = instantiate([gemm(shape)]);
      const rng = new Rng(m * 100 + k);
      const [a, b, biasAt, c] = [0, 16384, 32768, 49152];
      fill(heap, a, 4000, rng);
      fill(heap, b, 4000, rng);
      fill(heap, biasAt, 64, rng);
      heap.fill(7, c >> 2, (c >> 2) + 4000); // C's padding columns must be left alone
      const args = bias ? [c, a, b, m, k, biasAt] : [c, a, b, m, k];
      kernels.g(...args);
      const expected = reference(heap, shape, c, a, b, m, k, biasAt);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < shape.cRow; j++) {
          const got = heap[(c >> 2) + i * shape.cRow + j];
          if (j >= n) assert.equal(got, 7, `padding column ${j} of row ${i} was written`);
          else assert.ok(Math.abs(got - expected[i * n + j]) < 1e-5, `C[${i}, ${j}] = ${got}, expected ${expected[i * n + j]}`);
        }
      }
      const first = heap.slice(c >> 2, (c >> 2) + m * shape.cRow);
      kernels.g(...args);
      assert.deepEqual(heap.slice(c >> 2, (c >> 2) + m * shape.cRow), first);
    });
  }

  it('agrees with float64 on 40 seeded random shapes, both layouts, every default tile', () => {
    const rng = new Rng(11);
    const [a, b, biasAt, c] = [0, 65536, 131072, 135168];
    for (let trial = 0; trial < 40; trial++) {
      const [m, k, n] = [1 + rng.int(40), rng.int(70), 4 * (1 + rng.int(12))];
      const transposed = rng.float() < 0.5;
      const width = (transposed ? m : k) + rng.int(3);
      const shape: GemmShape = { name: 'g', n, aRow: transposed ? 1 : width, aStep: transposed ? width : 1, bRow: n + 4 * rng.int(2), cRow: n, bias: rng.float() < 0.5 };
      const { kernels, heap } = instantiate([gemm(shape)], 8);
      fill(heap, a, 16384, rng);
      fill(heap, b, 16384, rng);
      fill(heap, biasAt, n, rng);
      kernels.g(...(shape.bias ? [c, a, b, m, k, biasAt] : [c, a, b, m, k]));
      const expected = reference(heap, shape, c, a, b, m, k, biasAt);
      expected.forEach((e, i) => assert.ok(Math.abs(heap[(c >> 2) + i] - e) < 1e-5 * Math.max(1, k), `trial ${trial} (m ${m} k ${k} n ${n}${transposed ? ' transposed' : ''}): C[${i}] = ${heap[(c >> 2) + i]}, expected ${e}`));
    }
  });

  it('refuses widths that are not whole f32x4 lanes', () => {
    assert.throws(() => gemm({ name: 'bad', n: 6, aRow: 1, aStep: 1, bRow: 8, cRow: 8, bias: false }), /multiples of 4/);
  });
});

describe('simd element-wise kernels', () => {
  const { kernels, heap } = instantiate([tanhKernel(), tanhGradKernel(), columnSumsKernel(), transposeKernel(), sumSquaresKernel(), adamKernel()], 32);

  it('tanh is within 6 units in the last place of Math.tanh (the worst near ±1, 3.6e-7) from −12 to 12, odd, exact near 0, saturated at ±1', () => {
    const count = 48_000;
    const xs = Float32Array.from({ length: count }, (_, i) => -12 + (24 * i) / (count - 1));
    heap.set(xs, 0);
    kernels.tanh(0, count);
    let worstUlps = 0;
    for (let i = 0; i < count; i++) {
      const exact = Math.fround(Math.tanh(xs[i]));
      const ulp = Math.abs(exact) >= 1 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.max(Math.abs(exact), 2 ** -126))) - 23);
      worstUlps = Math.max(worstUlps, Math.abs(heap[i] - exact) / ulp);
      assert.equal(heap[i], -heap[count - 1 - i], `tanh is odd at ${xs[i]}`);
    }
    assert.ok(worstUlps <= 6, `worst error ${worstUlps} ulp`);
    heap.set([0, 1e-5, -3e-4, 100, -100, 1e30, Number.NaN, 0.5], 0);
    kernels.tanh(0, 8);
    assert.deepEqual(Array.from(heap.subarray(0, 6)), [0, Math.fround(1e-5), Math.fround(-3e-4), 1, -1, 1]);
    assert.ok(Number.isNaN(heap[6]), 'NaN stays NaN');
  });

  it('tanhGrad, columnSums, transpose and sumSquares agree with plain loops', () => {
    const rng = new Rng(2);
    const rows = 5;
    const n = 8;
    fill(heap, 0, rows * n, rng);
    fill(heap, 4096, rows * n, rng);
    const dz = heap.slice(0, rows * n);
    const h = heap.slice(1024, 1024 + rows * n);
    kernels.tanhGrad(0, 4096, rows * n);
    heap.subarray(0, rows * n).forEach((v, i) => assert.equal(v, Math.fround(dz[i] * Math.fround(1 - Math.fround(h[i] * h[i])))));
    kernels.columnSums(8192, 4096, rows, n);
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum = Math.fround(sum + h[i * n + j]);
      assert.equal(heap[2048 + j], sum, `column ${j}`);
    }
    kernels.transpose(12288, 4096, rows, n);
    for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) assert.equal(heap[3072 + j * rows + i], h[i * n + j]);
    const squares = kernels.sumSquares(4096, rows * n);
    assert.ok(Math.abs(squares - h.reduce((t, v) => t + v * v, 0)) < 1e-5);
    assert.equal(kernels.sumSquares(4096, 0), 0);
  });

  it('adam takes PyTorch’s step: clipped gradient, both moments, bias-corrected update', () => {
    const rng = new Rng(3);
    const count = 12;
    const [w, g, m, v] = [0, 1024, 2048, 3072];
    for (const at of [w, g, m]) fill(heap, at, count, rng);
    for (let i = 0; i < count; i++) heap[(v >> 2) + i] = rng.float();
    const before = [w, g, m, v].map((at) => Array.from(heap.subarray(at >> 2, (at >> 2) + count)));
    const [scale, beta1, beta2, lr, step, eps] = [0.5, 0.9, 0.999, 0.01, 3, 1e-5];
    const stepSize = lr / (1 - beta1 ** step);
    const sqrtCorrection2 = Math.sqrt(1 - beta2 ** step);
    kernels.adam(w, g, m, v, count, scale, beta1, beta2, stepSize, sqrtCorrection2, eps);
    for (let i = 0; i < count; i++) {
      const grad = before[1][i] * scale;
      const mi = beta1 * before[2][i] + (1 - beta1) * grad;
      const vi = beta2 * before[3][i] + (1 - beta2) * grad * grad;
      const wi = before[0][i] - (stepSize * mi) / (Math.sqrt(vi) / sqrtCorrection2 + eps);
      assert.ok(Math.abs(heap[(m >> 2) + i] - mi) < 1e-6 && Math.abs(heap[(v >> 2) + i] - vi) < 1e-6, `moments ${i}`);
      assert.ok(Math.abs(heap[(w >> 2) + i] - wi) < 1e-6, `weight ${i}: ${heap[(w >> 2) + i]} vs ${wi}`);
      assert.equal(heap[(g >> 2) + i], Math.fround(before[1][i]), 'the gradient is read, not scaled in place');
    }
  });
});
