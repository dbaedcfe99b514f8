/**
 * Anderson acceleration of a fixed-point iteration x ← T(x) (Anderson 1965; Walker & Ni 2011,
 * "Anderson Acceleration for Fixed-Point Iterations", SIAM J. Numer. Anal. 49(4), Algorithm AA with
 * the difference form of §3). Value iteration contracts by γ per sweep, so at γ = 0.9 a tolerance of
 * 1e-8 takes over a hundred sweeps; mixing the last few iterates to cancel their residuals takes a
 * few dozen. The solvers use it on their sweeps; the fixed point, and so the answer, is unchanged.
 *
 * Each step solves the small least-squares problem min_c |f_k − ΔF c| over the last m residual
 * differences (normal equations with a tiny ridge), then moves to g_k − ΔG c. A residual that grows
 * tenfold clears the history, which falls back to the plain iteration.
 */
export class Anderson {
  private readonly dF: Float64Array[] = [];
  private readonly dG: Float64Array[] = [];
  private readonly previousF: Float64Array;
  private readonly previousG: Float64Array;
  private hasPrevious = false;
  private previousResidual = Infinity;
  private readonly f: Float64Array;
  /** ΔFᵀΔF of the stored differences, kept up to date column by column: `gram[j × memory + l]`. */
  private readonly gram: Float64Array;

  constructor(
    readonly size: number,
    readonly memory = 5,
  ) {
    this.previousF = new Float64Array(size);
    this.previousG = new Float64Array(size);
    this.f = new Float64Array(size);
    this.gram = new Float64Array(memory * memory);
  }

  /** Given the iterate `x` and its image `g` = T(x), overwrite `x` with the next iterate. */
  step(x: Float64Array, g: Float64Array): void {
    const n = this.size;
    const f = this.f;
    let residual = 0;
    for (let i = 0; i < n; i++) {
      f[i] = g[i] - x[i];
      residual += f[i] * f[i];
    }
    if (residual > 100 * this.previousResidual) this.clear();
    this.previousResidual = residual;
    if (this.hasPrevious) {
      // the newest differences, dropping the oldest beyond the memory
      const full = this.dF.length === this.memory;
      const df = full ? this.dF.shift()! : new Float64Array(n);
      const dg = full ? this.dG.shift()! : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        df[i] = f[i] - this.previousF[i];
        dg[i] = g[i] - this.previousG[i];
      }
      this.dF.push(df);
      this.dG.push(dg);
      // the Gram matrix: drop the oldest column's row and column, add the newest's
      const m = this.dF.length;
      const w = this.memory;
      if (full) for (let j = 0; j < m - 1; j++) for (let l = 0; l < m - 1; l++) this.gram[j * w + l] = this.gram[(j + 1) * w + l + 1];
      for (let j = 0; j < m; j++) {
        const v = dot(this.dF[j], df);
        this.gram[j * w + m - 1] = v;
        this.gram[(m - 1) * w + j] = v;
      }
    }
    this.previousF.set(f);
    this.previousG.set(g);
    this.hasPrevious = true;
    const m = this.dF.length;
    const c = m === 0 ? null : this.solve(f, m);
    for (let i = 0; i < n; i++) {
      let next = g[i];
      if (c !== null) for (let j = 0; j < m; j++) next -= c[j] * this.dG[j][i];
      x[i] = next;
    }
  }

  clear(): void {
    this.dF.length = 0;
    this.dG.length = 0;
    this.hasPrevious = false;
    this.previousResidual = Infinity;
  }

  /** c = argmin |f − ΔF c| by the normal equations (ΔFᵀΔF + εI) c = ΔFᵀ f; null if singular. */
  private solve(f: Float64Array, m: number): Float64Array | null {
    const a = new Float64Array(m * (m + 1));
    let trace = 0;
    for (let j = 0; j < m; j++) {
      for (let l = 0; l < m; l++) a[j * (m + 1) + l] = this.gram[j * this.memory + l];
      a[j * (m + 1) + m] = dot(this.dF[j], f);
      trace += a[j * (m + 1) + j];
    }
    const ridge = 1e-12 * trace + 1e-300;
    for (let j = 0; j < m; j++) a[j * (m + 1) + j] += ridge;
    // Gaussian elimination with partial pivoting on [A | b]
    const width = m + 1;
    for (let col = 0; col < m; col++) {
      let pivot = col;
      for (let row = col + 1; row < m; row++) if (Math.abs(a[row * width + col]) > Math.abs(a[pivot * width + col])) pivot = row;
      if (a[pivot * width + col] === 0) return null;
      for (let k = 0; k < width; k++) [a[col * width + k], a[pivot * width + k]] = [a[pivot * width + k], a[col * width + k]];
      for (let row = col + 1; row < m; row++) {
        const factor = a[row * width + col] / a[col * width + col];
        for (let k = col; k < width; k++) a[row * width + k] -= factor * a[col * width + k];
      }
    }
    const c = new Float64Array(m);
    for (let row = m - 1; row >= 0; row--) {
      let v = a[row * width + m];
      for (let k = row + 1; k < m; k++) v -= a[row * width + k] * c[k];
      c[row] = v / a[row * width + row];
    }
    return c.every(Number.isFinite) ? c : null;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}
