/**
 * Finite-difference gradient checks. The loss is a fixed random projection of the output,
 * L = Σ f(θ) ⊙ R; its analytic gradient comes from tfjs (our custom ops), its numeric one from
 * central differences (L(θ + εe) − L(θ − εe)) / 2ε with the projection summed in float64, so the
 * only float32 noise is the rounding of f itself.
 *
 * Float32 tolerances: ε = 1e-2 (truncation error ~ε²·f‴ ≈ 1e-4 relative; rounding ~1e-7·|f|/ε),
 * and a coordinate passes if |analytic − numeric| ≤ 5e-4 + 2e-3·max(|analytic|, |numeric|).
 * These are tight enough that scaling one gradient by 1.01 fails (checked by hand on conv2d).
 * Piecewise-linear functions (relu) use ε = 1e-3 and atol 3e-3, so a kink is rarely straddled.
 */
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { standardNormals } from '../../src/nn/init.js';
import { tfSync, type Tensor, type Variable } from '../../src/nn/tf.js';

export interface GradCheckOptions {
  /** Step ε; default 1e-2 (float32 forward passes). */
  readonly eps?: number;
  /** Pass if |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|). */
  readonly atol?: number;
  readonly rtol?: number;
  /** Coordinates checked per tensor (all if it is smaller); default 12. */
  readonly samples?: number;
  readonly seed?: number;
}

/** Check d L / d θ for every tensor in `wrt` (variables: network parameters, or inputs made variables). */
export function gradCheck(
  label: string,
  forward: () => Tensor,
  wrt: ReadonlyArray<readonly [string, Variable]>,
  options: GradCheckOptions = {},
): number {
  const tf = tfSync();
  const eps = options.eps ?? 1e-2;
  const atol = options.atol ?? 5e-4;
  const rtol = options.rtol ?? 2e-3;
  const rng = new Rng(options.seed ?? 7);
  const outSize = tf.tidy(forward).size;
  const projection = Float64Array.from(standardNormals(outSize, rng));
  const projectionTensor = tf.tensor(Float32Array.from(projection));
  const lossOf = (): number => {
    const y = tf.tidy(forward);
    const values = y.dataSync();
    y.dispose();
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i] * projection[i];
    return total;
  };
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(tf.reshape(forward(), [-1]), projectionTensor)),
    wrt.map(([, v]) => v),
  );
  value.dispose();
  let worst = 0;
  for (const [name, variable] of wrt) {
    const g = grads[variable.name];
    const analytic = g ? (g.dataSync() as Float32Array).slice() : new Float32Array(variable.size);
    g?.dispose();
    const values = (variable.dataSync() as Float32Array).slice();
    const count = Math.min(options.samples ?? 12, variable.size);
    const indices = count === variable.size ? [...Array(count).keys()] : Array.from({ length: count }, () => rng.int(variable.size));
    for (const i of indices) {
      const original = values[i];
      values[i] = original + eps;
      setValues(variable, values);
      const plus = lossOf();
      values[i] = original - eps;
      setValues(variable, values);
      const minus = lossOf();
      values[i] = original;
      setValues(variable, values);
      const numeric = (plus - minus) / (2 * eps);
      const error = Math.abs(analytic[i] - numeric);
      const allowed = atol + rtol * Math.max(Math.abs(analytic[i]), Math.abs(numeric));
      worst = Math.max(worst, error / allowed);
      assert.ok(
        error <= allowed,
        `${label}: d/d ${name}[${i}] analytic ${analytic[i]} vs numeric ${numeric} (|diff| ${error.toExponential(2)} > ${allowed.toExponential(2)})`,
      );
    }
  }
  projectionTensor.dispose();
  return worst;
}

/** A trainable variable of `shape` filled with seeded normal values times `scale`. */
export function randomVariable(shape: number[], seed: number, scale = 1): Variable {
  const tf = tfSync();
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from(standardNormals(size, new Rng(seed)), (z) => z * scale);
  return tf.variable(tf.tensor(values, shape), true);
}

/** Overwrite a variable's values (the temporary tensor is disposed). */
export function setValues(variable: Variable, values: Float32Array): void {
  const tf = tfSync();
  const t = tf.tensor(values, variable.shape);
  variable.assign(t);
  t.dispose();
}
