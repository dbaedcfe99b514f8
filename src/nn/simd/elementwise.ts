/**
 * Generated element-wise kernels for the tanh MLP: tanh and its derivative, column sums (bias
 * gradients), a transpose, a sum of squares (the gradient norm) and the Adam step. Counts are
 * multiples of 4 and pointers 16-byte aligned (the caller pads every buffer); all arithmetic is
 * IEEE single precision in a fixed order, the same on every machine.
 */
import { F32, FunctionBuilder, I32, V128, type Local } from './assembler.js';

/**
 * `tanh(pointer, count)` in place: the rational approximation Eigen uses for float tanh (and XLA
 * after it), a degree-13 odd numerator over a degree-6 even denominator on the input clamped to
 * ±7.9053, and x itself where |x| < 0.0004. Measured against Math.tanh from −12 to 12: within 6 units
 * in the last place, the worst near ±1 (3.6e-7 absolute).
 */
export function tanhKernel(): FunctionBuilder {
  const alpha = [4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16];
  const beta = [4.89352518554385e-3, 2.2684346324390e-3, 1.18534705686654e-4, 1.19825839466702e-6];
  const f = new FunctionBuilder('tanh', [I32, I32]);
  const [pointer, count] = [f.param(0), f.param(1)];
  const end = f.local(I32);
  const x = f.local(V128);
  const clamped = f.local(V128);
  const x2 = f.local(V128);
  const p = f.local(V128);
  const q = f.local(V128);
  const splat = (value: number) => f.f32(value).f32x4Splat();
  f.get(pointer).get(count).i32(4).i32Mul().i32Add().set(end);
  f.get(count).if().loop();
  f.get(pointer).v128Load().set(x);
  f.get(x);
  splat(7.90531110763549805).f32x4Min();
  splat(-7.90531110763549805).f32x4Max().set(clamped);
  f.get(clamped).get(clamped).f32x4Mul().set(x2);
  /** target ← c₀ + x²(c₁ + x²(… + x²·cₙ)), by Horner's rule. */
  const horner = (c: readonly number[], target: Local) => {
    f.get(x2);
    splat(c[c.length - 1]).f32x4Mul();
    splat(c[c.length - 2]).f32x4Add().set(target);
    for (let i = c.length - 3; i >= 0; i--) {
      f.get(x2).get(target).f32x4Mul();
      splat(c[i]).f32x4Add().set(target);
    }
  };
  horner(alpha, p); // p = x·(α1 + x²(α3 + x²(… α13)))
  f.get(clamped).get(p).f32x4Mul().set(p);
  horner(beta, q); // q = β0 + x²(β2 + x²(β4 + x²β6))
  // |x| < 0.0004 ? x : p / q
  f.get(pointer);
  f.get(x).get(p).get(q).f32x4Div();
  f.get(x).f32x4Abs();
  splat(0.0004).f32x4Lt();
  f.v128Bitselect().v128Store();
  f.get(pointer).i32(16).i32Add().tee(pointer).get(end).i32Ne().brIf(0);
  f.end().end();
  return f;
}

/** `tanhGrad(dz, h, count)`: dz ← dz·(1 − h²) in place, the gradient through h = tanh(z). */
export function tanhGradKernel(): FunctionBuilder {
  const f = new FunctionBuilder('tanhGrad', [I32, I32, I32]);
  const [dz, h, count] = [f.param(0), f.param(1), f.param(2)];
  const end = f.local(I32);
  const hv = f.local(V128);
  f.get(dz).get(count).i32(4).i32Mul().i32Add().set(end);
  f.get(count).if().loop();
  f.get(h).v128Load().set(hv);
  f.get(dz);
  f.get(dz).v128Load();
  f.f32(1).f32x4Splat().get(hv).get(hv).f32x4Mul().f32x4Sub();
  f.f32x4Mul().v128Store();
  f.get(h).i32(16).i32Add().set(h);
  f.get(dz).i32(16).i32Add().tee(dz).get(end).i32Ne().brIf(0);
  f.end().end();
  return f;
}

/** `columnSums(out, src, rows, n)`: out[j] = Σᵢ src[i·n + j] (rows in order), n a multiple of 4. */
export function columnSumsKernel(): FunctionBuilder {
  const f = new FunctionBuilder('columnSums', [I32, I32, I32, I32]);
  const [out, src, rows, n] = [f.param(0), f.param(1), f.param(2), f.param(3)];
  const column = f.local(I32); // byte offset of the current 4 columns
  const pointer = f.local(I32);
  const end = f.local(I32);
  const sum = f.local(V128);
  f.i32(0).set(column);
  f.get(n).if().loop();
  f.f32(0).f32x4Splat().set(sum);
  f.get(src).get(column).i32Add().tee(pointer).get(rows).get(n).i32Mul().i32(4).i32Mul().i32Add().set(end);
  f.get(rows).if().loop();
  f.get(sum).get(pointer).v128Load().f32x4Add().set(sum);
  f.get(pointer).get(n).i32(4).i32Mul().i32Add().tee(pointer).get(end).i32Ne().brIf(0);
  f.end().end();
  f.get(out).get(column).i32Add().get(sum).v128Store();
  f.get(column).i32(16).i32Add().tee(column).get(n).i32(4).i32Mul().i32Ne().brIf(0);
  f.end().end();
  return f;
}

/** `transpose(dst, src, rows, columns)`: dst[j·rows + i] = src[i·columns + j]. */
export function transposeKernel(): FunctionBuilder {
  const f = new FunctionBuilder('transpose', [I32, I32, I32, I32]);
  const [dst, src, rows, columns] = [f.param(0), f.param(1), f.param(2), f.param(3)];
  const i = f.local(I32);
  const j = f.local(I32);
  f.i32(0).set(i);
  f.block().loop();
  f.get(i).get(rows).i32GeU().brIf(1);
  f.i32(0).set(j);
  f.block().loop();
  f.get(j).get(columns).i32GeU().brIf(1);
  // dst + 4(j·rows + i) ← src + 4(i·columns + j)
  f.get(dst).get(j).get(rows).i32Mul().get(i).i32Add().i32(4).i32Mul().i32Add();
  f.get(src).get(i).get(columns).i32Mul().get(j).i32Add().i32(4).i32Mul().i32Add().f32Load();
  f.f32Store();
  f.get(j).i32(1).i32Add().set(j);
  f.br(0);
  f.end().end();
  f.get(i).i32(1).i32Add().set(i);
  f.br(0);
  f.end().end();
  return f;
}

/** `sumSquares(pointer, count) → f32`: four lane-wise running sums, added lane 0 + 1 + 2 + 3. */
export function sumSquaresKernel(): FunctionBuilder {
  const f = new FunctionBuilder('sumSquares', [I32, I32], [F32]);
  const [pointer, count] = [f.param(0), f.param(1)];
  const end = f.local(I32);
  const sum = f.local(V128);
  const x = f.local(V128);
  f.f32(0).f32x4Splat().set(sum);
  f.get(pointer).get(count).i32(4).i32Mul().i32Add().set(end);
  f.get(count).if().loop();
  f.get(pointer).v128Load().tee(x).get(x).f32x4Mul().get(sum).f32x4Add().set(sum);
  f.get(pointer).i32(16).i32Add().tee(pointer).get(end).i32Ne().brIf(0);
  f.end().end();
  f.get(sum).f32x4ExtractLane(0).get(sum).f32x4ExtractLane(1).f32Add();
  f.get(sum).f32x4ExtractLane(2).f32Add().get(sum).f32x4ExtractLane(3).f32Add();
  return f;
}

/**
 * `adam(w, g, m, v, count, scale, beta1, beta2, stepSize, sqrtCorrection2, eps)`, PyTorch's
 * arrangement: g ← scale·g; m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 * w ← w − stepSize · m / (√v / √(1 − β2ᵗ) + ε), with stepSize = lr / (1 − β1ᵗ).
 */
export function adamKernel(): FunctionBuilder {
  const f = new FunctionBuilder('adam', [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32]);
  const [w, g, m, v, count] = [0, 1, 2, 3, 4].map((i) => f.param(i));
  const [scale, beta1, beta2, stepSize, sqrtCorrection2, eps] = [5, 6, 7, 8, 9, 10].map((i) => f.param(i));
  const end = f.local(I32);
  const vs = [scale, beta1, beta2, stepSize, sqrtCorrection2, eps].map(() => f.local(V128));
  const [vScale, vBeta1, vBeta2, vStep, vCorrection, vEps] = vs;
  const oneMinus1 = f.local(V128);
  const oneMinus2 = f.local(V128);
  const grad = f.local(V128);
  const mv = f.local(V128);
  const vv = f.local(V128);
  [scale, beta1, beta2, stepSize, sqrtCorrection2, eps].forEach((p, i) => f.get(p).f32x4Splat().set(vs[i]));
  f.f32(1).f32x4Splat().get(vBeta1).f32x4Sub().set(oneMinus1);
  f.f32(1).f32x4Splat().get(vBeta2).f32x4Sub().set(oneMinus2);
  f.get(w).get(count).i32(4).i32Mul().i32Add().set(end);
  f.get(count).if().loop();
  f.get(g).v128Load().get(vScale).f32x4Mul().set(grad);
  f.get(m);
  f.get(vBeta1).get(m).v128Load().f32x4Mul().get(oneMinus1).get(grad).f32x4Mul().f32x4Add().tee(mv);
  f.v128Store();
  f.get(v);
  f.get(vBeta2).get(v).v128Load().f32x4Mul().get(oneMinus2).get(grad).f32x4Mul().get(grad).f32x4Mul().f32x4Add().tee(vv);
  f.v128Store();
  f.get(w);
  f.get(w).v128Load();
  f.get(vStep).get(mv).get(vv).f32x4Sqrt().get(vCorrection).f32x4Div().get(vEps).f32x4Add().f32x4Div().f32x4Mul();
  f.f32x4Sub().v128Store();
  for (const p of [g, m, v]) f.get(p).i32(16).i32Add().set(p);
  f.get(w).i32(16).i32Add().tee(w).get(end).i32Ne().brIf(0);
  f.end().end();
  return f;
}
