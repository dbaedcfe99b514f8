/**
 * Seeded initial values for parameters, made in plain JS from an `Rng` so that a seed fixes every
 * weight on every machine. Orthogonal initialisation follows PyTorch's `nn.init.orthogonal_` (a QR
 * decomposition of a normal matrix, signs fixed so that R has a positive diagonal), which is what
 * CleanRL's `layer_init` uses with gain √2 for hidden layers and bias 0.
 */
import type { Rng } from '../core/rng.js';

/** How to fill a parameter: a description, so that layer options stay plain data. */
export type Init =
  | { readonly kind: 'orthogonal'; readonly gain: number }
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'constant'; readonly value: number };

export const orthogonal = (gain = Math.SQRT2): Init => ({ kind: 'orthogonal', gain });
export const normal = (std: number): Init => ({ kind: 'normal', std });
export const uniform = (bound: number): Init => ({ kind: 'uniform', bound });
export const constantInit = (value: number): Init => ({ kind: 'constant', value });
export const zeros: Init = { kind: 'constant', value: 0 };
export const ones: Init = { kind: 'constant', value: 1 };

/** The values of a parameter of `shape` drawn by `init` from `rng`. */
export function initialValues(init: Init, shape: readonly number[], rng: Rng): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  switch (init.kind) {
    case 'constant':
      return new Float32Array(size).fill(init.value);
    case 'normal':
      return Float32Array.from(standardNormals(size, rng), (z) => z * init.std);
    case 'uniform': {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = (2 * rng.float() - 1) * init.bound;
      return out;
    }
    case 'orthogonal':
      return orthogonalValues(shape, init.gain, rng);
  }
}

/** `n` standard normal draws (Box–Muller, both values of each pair used), in float64. */
export function standardNormals(n: number, rng: Rng): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - rng.float(); // in (0, 1]: log is finite
    const u2 = rng.float();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * A `[rows, cols]` matrix (the leading dimensions of `shape` are rows, the last is cols) whose
 * columns are orthonormal if rows ≥ cols, else whose rows are, times `gain`.
 */
export function orthogonalValues(shape: readonly number[], gain: number, rng: Rng): Float32Array {
  if (shape.length < 2) throw new Error(`orthogonal init needs a shape of rank ≥ 2, got [${shape}]`);
  const cols = shape[shape.length - 1];
  const rows = shape.reduce((a, b) => a * b, 1) / cols;
  const tall = rows >= cols;
  const n = tall ? rows : cols; // length of each vector
  const k = tall ? cols : rows; // number of orthonormal vectors
  const g = standardNormals(n * k, rng); // k vectors of length n, vector j at [j*n, (j+1)*n)
  // Modified Gram–Schmidt, run twice for accuracy; equals QR with a positive diagonal of R.
  for (let j = 0; j < k; j++) {
    const vj = j * n;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const vi = i * n;
        let dot = 0;
        for (let t = 0; t < n; t++) dot += g[vi + t] * g[vj + t];
        for (let t = 0; t < n; t++) g[vj + t] -= dot * g[vi + t];
      }
    }
    let norm = 0;
    for (let t = 0; t < n; t++) norm += g[vj + t] * g[vj + t];
    norm = Math.sqrt(norm);
    for (let t = 0; t < n; t++) g[vj + t] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < k; j++) {
    for (let t = 0; t < n; t++) {
      // tall: vector j is column j (out[t][j]); wide: vector j is row j (out[j][t]).
      out[tall ? t * cols + j : j * cols + t] = gain * g[j * n + t];
    }
  }
  return out;
}
