/**
 * Generated matrix-product kernels: C = A·B (+ a bias row), in f32x4 lanes, register-blocked after
 * the "splat" micro-kernels of XNNPACK's wasm build and BLIS: an MR × NR tile of C stays in
 * registers while k runs, each step loading one NR-wide row of B and broadcasting MR elements of A.
 *
 * Every stride is a constant of the generated code (a network's layer widths are known when it is
 * built), so each tile's addresses are one pointer plus immediate offsets. Only the row count `m`
 * and the inner length `k` are run-time arguments. A's element (i, p) sits at
 * `a + 4·(i·aRow + p·aStep)` bytes, so one kernel shape serves both A·B (aRow = width, aStep = 1)
 * and Aᵀ·B (aRow = 1, aStep = width), the product a weight gradient needs; B is row-major with
 * row stride `bRow`, C with `cRow`. `n`, the columns, is a constant multiple of 4.
 *
 * Arithmetic is IEEE single precision with one fixed order of operations (a tile element sums its k
 * products in order, starting from 0 or from the bias), so results are the same on every machine.
 */
import { FunctionBuilder, I32, V128, type Local } from './assembler.js';

export interface GemmShape {
  /** The exported function's name. */
  readonly name: string;
  /** Columns of C and B; a multiple of 4. */
  readonly n: number;
  /** Floats between A's rows and between its consecutive elements along k. */
  readonly aRow: number;
  readonly aStep: number;
  /** Floats between B's rows and between C's rows; multiples of 4. */
  readonly bRow: number;
  readonly cRow: number;
  /** Start each tile from a bias row (a 4th argument) instead of 0. */
  readonly bias: boolean;
  /**
   * Tile rows and columns. By default 2 × 16 where n ≥ 16 (the fastest measured on the PPO update's
   * products: 37 GFLOP/s against 33 for 4 × 8 and 25 for 6 × 8), else 4 × 8 or 4 × 4.
   */
  readonly mr?: number;
  readonly nr?: number;
}

/** `name(c, a, b, m, k[, bias])`, all pointers in bytes, 16-byte aligned for B, C and the bias. */
export function gemm(shape: GemmShape): FunctionBuilder {
  const { n, aRow, aStep, bRow, cRow, bias } = shape;
  const nr = shape.nr ?? (n >= 16 ? 16 : n >= 8 ? 8 : 4);
  const mr = shape.mr ?? (nr === 16 ? 2 : 4);
  if (n % 4 !== 0 || bRow % 4 !== 0 || cRow % 4 !== 0 || nr % 4 !== 0) throw new Error(`gemm ${shape.name}: n, bRow, cRow and nr must be multiples of 4`);
  const params = bias ? [I32, I32, I32, I32, I32, I32] : [I32, I32, I32, I32, I32];
  const f = new FunctionBuilder(shape.name, params as never);
  const [c, a, b, m, k] = [0, 1, 2, 3, 4].map((i) => f.param(i));
  const biasPtr = bias ? f.param(5) : undefined;
  const row = f.local(I32); // first row of the current stripe
  const pa = f.local(I32);
  const pb = f.local(I32);
  const pbEnd = f.local(I32);
  const pc = f.local(I32);
  const acc: Local[][] = Array.from({ length: mr }, () => Array.from({ length: nr / 4 }, () => f.local(V128)));
  const bv: Local[] = Array.from({ length: nr / 4 }, () => f.local(V128));
  const s = f.local(V128);

  /** One stripe of `rows` rows starting at `row`: every column block, each a full k loop. */
  const stripe = (rows: number) => {
    for (let j0 = 0; j0 < n; j0 += nr) {
      const vectors = Math.min(nr, n - j0) / 4;
      for (let r = 0; r < rows; r++) {
        for (let v = 0; v < vectors; v++) {
          if (biasPtr !== undefined) f.get(biasPtr).v128Load(4 * (j0 + 4 * v)).set(acc[r][v]);
          else f.f32(0).f32x4Splat().set(acc[r][v]);
        }
      }
      // pa = a + 4·row·aRow; pb = b + 4·j0; pbEnd = pb + 4·k·bRow
      f.get(a).get(row).i32(4 * aRow).i32Mul().i32Add().set(pa);
      f.get(b).i32(4 * j0).i32Add().tee(pb).get(k).i32(4 * bRow).i32Mul().i32Add().set(pbEnd);
      f.get(k).if();
      f.loop();
      for (let v = 0; v < vectors; v++) f.get(pb).v128Load(16 * v).set(bv[v]);
      for (let r = 0; r < rows; r++) {
        f.get(pa).load32Splat(4 * r * aRow).set(s);
        for (let v = 0; v < vectors; v++) f.get(acc[r][v]).get(s).get(bv[v]).f32x4Mul().f32x4Add().set(acc[r][v]);
      }
      f.get(pa).i32(4 * aStep).i32Add().set(pa);
      f.get(pb).i32(4 * bRow).i32Add().tee(pb).get(pbEnd).i32Ne().brIf(0);
      f.end(); // loop
      f.end(); // if k
      // pc = c + 4·(row·cRow + j0)
      f.get(c).get(row).i32(4 * cRow).i32Mul().i32Add().set(pc);
      for (let r = 0; r < rows; r++) {
        for (let v = 0; v < vectors; v++) f.get(pc).get(acc[r][v]).v128Store(4 * (r * cRow + j0 + 4 * v));
      }
    }
  };

  // Full stripes of mr rows, then the remaining rows one at a time.
  f.i32(0).set(row);
  f.block().loop();
  f.get(row).i32(mr).i32Add().get(m).i32GtU().brIf(1); // row + mr > m: done
  stripe(mr);
  f.get(row).i32(mr).i32Add().set(row);
  f.br(0);
  f.end().end();
  f.block().loop();
  f.get(row).get(m).i32GeU().brIf(1);
  stripe(1);
  f.get(row).i32(1).i32Add().set(row);
  f.br(0);
  f.end().end();
  return f;
}
