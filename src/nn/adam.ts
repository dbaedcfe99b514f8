/**
 * Adam (Kingma & Ba 2015, Algorithm 1, with PyTorch's arrangement of the bias corrections) after
 * clipping the gradients to a global norm (PyTorch's `clip_grad_norm_`, as CleanRL uses with
 * max_grad_norm = 0.5). The update runs in plain JS over Float32Arrays: on the wasm backend one
 * tfjs op costs 5–15 µs whatever its size, so the dozen ops per parameter of a tensor-op Adam
 * would cost more than the arithmetic (the loop takes about 0.17 ms for the 27.7k parameters of
 * CleanRL's PPO actor-critic). The moments are Float32Arrays, exported and restored as
 * they are, so a resumed run continues bit for bit.
 */
import { MesalabError } from '../core/errors.js';
import { Module } from './module.js';
import { tfSync, type Scalar, type Tensor, type Tf, type Variable } from './tf.js';

export interface AdamOptions {
  /** Learning rate; settable later through `adam.lr` (for annealing). */
  readonly lr: number;
  /** Default 0.9. */
  readonly beta1?: number;
  /** Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-8 (PyTorch's); CleanRL's PPO uses 1e-5. */
  readonly eps?: number;
  /** Clip the gradients to this global L2 norm; default Infinity (no clipping). */
  readonly maxGradNorm?: number;
}

/**
 * A loss (a scalar: tfjs's typings call most reductions `Tensor`, so any tensor is accepted and its
 * rank is checked), optionally with named scalar statistics to read out after the step (KL, clip
 * fraction …).
 */
export type LossFunction = () => Tensor | { readonly loss: Tensor; readonly metrics: Readonly<Record<string, Tensor>> };

export interface AdamStepResult {
  readonly loss: number;
  /** The global gradient norm before clipping. */
  readonly gradNorm: number;
  /** The values of the loss function's metrics (each tensor's first element). */
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * Everything needed to continue: the step count, the learning rate, and per parameter its first
 * and second moments, named `<parameter>.exp_avg` and `<parameter>.exp_avg_sq` (PyTorch's names).
 */
export interface AdamState {
  readonly step: number;
  readonly lr: number;
  readonly arrays: Readonly<Record<string, Float32Array>>;
}

export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly maxGradNorm: number;
  private readonly names: readonly string[];
  private readonly variables: readonly Variable[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  /** Each parameter's values as last written by this optimizer, and the tensor data they belong to. */
  private readonly values: Float32Array[];
  private readonly valuesOf: Array<object | undefined>;
  private readonly grads: Float32Array[];
  private count = 0;

  constructor(parameters: Module | ReadonlyArray<readonly [string, Variable]>, options: AdamOptions) {
    const named = parameters instanceof Module ? parameters.namedParameters() : parameters;
    if (named.length === 0) throw new Error('Adam needs at least one parameter');
    this.names = named.map(([name]) => name);
    this.variables = named.map(([, v]) => v);
    if (new Set(this.names).size !== this.names.length) throw new Error(`Adam: parameter names must be unique: ${this.names.join(', ')}`);
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.maxGradNorm = options.maxGradNorm ?? Infinity;
    this.m = this.variables.map((v) => new Float32Array(v.size));
    this.v = this.variables.map((v) => new Float32Array(v.size));
    this.values = this.variables.map((v) => new Float32Array(v.size));
    this.valuesOf = this.variables.map(() => undefined);
    this.grads = this.variables.map((v) => new Float32Array(v.size));
  }

  /** Updates taken so far. */
  get steps(): number {
    return this.count;
  }

  /** Compute the loss and its gradients, clip them, and take one Adam step. */
  step(lossFunction: LossFunction): AdamStepResult {
    const tf = tfSync();
    const metricTensors: Record<string, Tensor> = {};
    let computed: ReturnType<Tf['variableGrads']>;
    try {
      computed = tf.variableGrads(() => {
        const out = lossFunction();
        const loss = out instanceof tf.Tensor ? out : out.loss;
        if (!(out instanceof tf.Tensor)) for (const [name, t] of Object.entries(out.metrics)) metricTensors[name] = tf.keep(t);
        if (loss.rank !== 0) throw new MesalabError(`Adam: the loss must be a scalar, got shape [${loss.shape}]`);
        return loss as Scalar;
      }, this.variables as Variable[]);
    } catch (error) {
      tf.dispose(Object.values(metricTensors));
      throw error;
    }
    const { value, grads } = computed;
    const loss = (value.dataSync() as Float32Array)[0];
    const metrics: Record<string, number> = {};
    for (const [name, t] of Object.entries(metricTensors)) metrics[name] = (t.dataSync() as Float32Array)[0];
    tf.dispose([...new Set([value, ...Object.values(metricTensors)])]);

    // Read the gradients; a parameter the loss does not reach has gradient 0.
    let squares = 0;
    for (let i = 0; i < this.variables.length; i++) {
      const g = grads[this.variables[i].name];
      const out = this.grads[i];
      if (g === undefined) {
        out.fill(0);
        continue;
      }
      out.set(g.dataSync() as Float32Array);
      g.dispose();
      for (let j = 0; j < out.length; j++) squares += out[j] * out[j];
    }
    const gradNorm = Math.sqrt(squares);
    if (!Number.isFinite(gradNorm) || !Number.isFinite(loss)) {
      throw new MesalabError(
        `Adam step ${this.count + 1}: the ${Number.isFinite(loss) ? 'gradient' : 'loss'} is not finite (loss ${loss}, gradient norm ${gradNorm}); the parameters were left unchanged. Try a lower learning rate or gradient clipping.`,
      );
    }
    // clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
    const clip = Math.min(1, this.maxGradNorm / (gradNorm + 1e-6));

    this.count++;
    const { beta1, beta2, eps } = this;
    const weight1 = 1 - beta1; // of the new gradient in the first moment
    const weight2 = 1 - beta2;
    const stepSize = this.lr / (1 - beta1 ** this.count);
    const inverseCorrection2Sqrt = 1 / Math.sqrt(1 - beta2 ** this.count);
    for (let i = 0; i < this.variables.length; i++) {
      const variable = this.variables[i];
      const p = this.currentValues(i);
      const g = this.grads[i];
      const m = this.m[i];
      const v = this.v[i];
      for (let j = 0; j < p.length; j++) {
        const gj = g[j] * clip;
        const mj = beta1 * m[j] + weight1 * gj;
        const vj = beta2 * v[j] + weight2 * gj * gj;
        m[j] = mj;
        v[j] = vj;
        p[j] -= (stepSize * mj) / (Math.sqrt(vj) * inverseCorrection2Sqrt + eps);
      }
      const t = tf.tensor(p, variable.shape, 'float32');
      variable.assign(t);
      t.dispose();
      this.valuesOf[i] = variable.dataId;
    }
    return { loss, gradNorm, metrics };
  }

  /** A copy of the optimizer's state. */
  state(): AdamState {
    const arrays: Record<string, Float32Array> = {};
    this.names.forEach((name, i) => {
      arrays[`${name}.exp_avg`] = this.m[i].slice();
      arrays[`${name}.exp_avg_sq`] = this.v[i].slice();
    });
    return { step: this.count, lr: this.lr, arrays };
  }

  /** Restore a state from `state()`; every moment must be present with the right size. */
  loadState(state: AdamState): void {
    const problems: string[] = [];
    this.names.forEach((name, i) => {
      for (const [suffix, target] of [['exp_avg', this.m[i]], ['exp_avg_sq', this.v[i]]] as const) {
        const saved = state.arrays[`${name}.${suffix}`];
        if (saved === undefined) problems.push(`missing "${name}.${suffix}"`);
        else if (saved.length !== target.length) problems.push(`"${name}.${suffix}" has ${saved.length} values, expected ${target.length}`);
      }
    });
    if (!Number.isInteger(state.step) || state.step < 0) problems.push(`step must be a non-negative integer, got ${state.step}`);
    if (problems.length > 0) {
      throw new MesalabError(`The Adam state does not fit these parameters: ${problems.join('; ')}.`);
    }
    this.names.forEach((name, i) => {
      this.m[i].set(state.arrays[`${name}.exp_avg`]);
      this.v[i].set(state.arrays[`${name}.exp_avg_sq`]);
    });
    this.count = state.step;
    this.lr = state.lr;
  }

  /** Parameter `i`'s values: the cached copy if the variable still holds what this optimizer wrote. */
  private currentValues(i: number): Float32Array {
    const variable = this.variables[i];
    const values = this.values[i];
    if (this.valuesOf[i] !== variable.dataId) values.set(variable.dataSync() as Float32Array);
    return values;
  }
}
