/**
 * The differentiable building blocks of every layer, written for the wasm backend's traps
 * (shared/notes/ml-core.md): matrix products whose gradients use explicit transposes (the wasm
 * matMul with transpose flags falls back to a naive loop about 10× slower), tanh built from the
 * vectorised sigmoid (wasm's own tanh is about 12× slower), and gradients computed lazily per input
 * (see custom-op.ts). Shapes are row-major with the batch first: a weight is `[inputs, outputs]`.
 */
import { customOp } from './custom-op.js';
import { tfSync, type Tensor } from './tf.js';

export type Activation = 'tanh' | 'relu' | 'none';

const constants = new Map<number, Tensor>();

/** A cached scalar constant (kept: never disposed by a tidy). */
export function constant(value: number): Tensor {
  let t = constants.get(value);
  if (t === undefined || t.isDisposed) {
    const tf = tfSync();
    t = tf.keep(tf.scalar(value));
    constants.set(value, t);
  }
  return t;
}

/** `a · b` for 2-D `a` `[n, k]` and `b` `[k, m]`. */
export function matMul(a: Tensor, b: Tensor): Tensor {
  const tf = tfSync();
  assertRank('matMul', a, 2);
  assertRank('matMul', b, 2);
  return customOp(
    [a, b],
    (save) => {
      save([a, b]);
      return tf.matMul(a, b);
    },
    (dy, [sa, sb]) => [() => tf.matMul(dy, tf.transpose(sb)), () => tf.matMul(tf.transpose(sa), dy)],
  );
}

/**
 * `activation(x · weight + bias)` for `x` `[..., inputs]`, `weight` `[inputs, outputs]`, `bias`
 * `[outputs]` (or null): one fused op forward, and backward only the gradients that are needed.
 */
export function dense(x: Tensor, weight: Tensor, bias: Tensor | null, activation: Activation = 'none'): Tensor {
  const tf = tfSync();
  assertRank('dense weight', weight, 2);
  const [inputs, outputs] = weight.shape;
  if (x.shape[x.rank - 1] !== inputs) {
    throw new Error(`dense: input has ${x.shape[x.rank - 1]} features (shape [${x.shape}]) but the weight expects ${inputs}`);
  }
  const outShape = [...x.shape.slice(0, -1), outputs];
  return customOp(
    bias ? [x, weight, bias] : [x, weight],
    (save) => {
      const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, inputs]);
      let y = fusedMatMul(x2, weight, bias, activation === 'relu');
      if (activation === 'tanh') y = tanhForward(y);
      save([x2, y, weight]);
      return x.rank === 2 ? y : tf.reshape(y, outShape);
    },
    (dy, saved) => {
      const [x2, y, w] = saved;
      const dz = activationGradient(activation, dy.rank === 2 ? dy : tf.reshape(dy, y.shape), y);
      const xT = transposeShared(x2);
      const gradients = [() => tf.reshape(tf.matMul(dz, tf.transpose(w)), x.shape), () => tf.matMul(xT, dz)];
      // After the weight gradient, whose matMul packed dz, this matMul reuses that packing.
      if (bias) gradients.push(() => sumRows(dz));
      return gradients;
    },
  );
}

/**
 * `a · b + bias`, then relu if asked, as one wasm kernel. Not `tf.fused.matMul`: inside a gradient
 * computation that op stops fusing any activation but 'linear' (it would need the activation's
 * gradient), and here, inside a custom op, no tfjs gradient is needed.
 */
export function fusedMatMul(a: Tensor, b: Tensor, bias: Tensor | null, relu: boolean): Tensor {
  const tf = tfSync();
  const [n, k] = a.shape as [number, number];
  const m = b.shape[1] as number;
  const inputs: Record<string, Tensor> = { a: tf.reshape(a, [1, n, k]), b: tf.reshape(b, [1, k, m]) };
  if (bias) inputs.bias = bias;
  const out = tf.engine().runKernel<Tensor>('_FusedMatMul', inputs, {
    transposeA: false,
    transposeB: false,
    activation: relu ? 'relu' : 'linear',
  });
  return tf.reshape(out, [n, m]);
}

/** `x · weight + bias`. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return dense(x, weight, bias, 'none');
}

/** tanh as `2·sigmoid(2x) − 1`, with gradient `dy·(1 − y²)`. */
export function tanh(x: Tensor): Tensor {
  return customOp(
    [x],
    (save) => {
      const y = tanhForward(x);
      save([y]);
      return y;
    },
    (dy, [y]) => [() => activationGradient('tanh', dy, y)],
  );
}

/** max(x, 0), with gradient `dy·[y > 0]`. */
export function relu(x: Tensor): Tensor {
  const tf = tfSync();
  return customOp(
    [x],
    (save) => {
      const y = tf.relu(x);
      save([y]);
      return y;
    },
    (dy, [y]) => [() => activationGradient('relu', dy, y)],
  );
}

/** Apply an activation by name. */
export function activate(x: Tensor, activation: Activation): Tensor {
  if (activation === 'tanh') return tanh(x);
  if (activation === 'relu') return relu(x);
  return x;
}

/** `2·sigmoid(2x) − 1`, without a gradient of its own (for use inside custom ops). */
export function tanhForward(x: Tensor): Tensor {
  const tf = tfSync();
  const two = constant(2);
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(x, two)), two), constant(1));
}

/** The gradient before an activation, from the gradient after it and its output `y`. */
export function activationGradient(activation: Activation, dy: Tensor, y: Tensor): Tensor {
  const tf = tfSync();
  if (activation === 'tanh') return tf.sub(dy, tf.mul(dy, tf.square(y)));
  if (activation === 'relu') return tf.mul(dy, tf.step(y));
  return dy;
}

const transposes = new WeakMap<object, Tensor>();

/**
 * The transpose of a 2-D tensor, shared by every caller in the same backward pass: the actor and
 * the critic both need the observations transposed for their first layer's weight gradient. Call
 * it in a backward body, not in a lazy gradient, so that it lives until the pass ends (the
 * pass's scope disposes it). Tensor data never changes, so the data's identity is the key.
 */
export function transposeShared(t: Tensor): Tensor {
  const cached = transposes.get(t.dataId);
  if (cached !== undefined && !cached.isDisposed && cached.shape[0] === t.shape[1] && cached.shape[1] === t.shape[0]) return cached;
  const transposed = tfSync().transpose(t);
  transposes.set(t.dataId, transposed);
  return transposed;
}

/**
 * Column sums of a 2-D tensor `[n, m]` → `[m]`, as `1ᵀ · t`. The wasm backend packs a matMul's
 * right operand (about 4 ns a value) and caches the packing by tensor, so right after `aᵀ · t`
 * this costs about 7 µs where `tf.sum(t, 0)` costs 40 µs (256×64); on a tensor not yet packed,
 * `tf.sum` is cheaper.
 */
export function sumRows(t: Tensor): Tensor {
  const tf = tfSync();
  const n = t.shape[0] as number;
  return tf.reshape(tf.matMul(onesRow(n), t), [t.shape[1] as number]);
}

const onesRows = new Map<number, Tensor>();

function onesRow(n: number): Tensor {
  let row = onesRows.get(n);
  if (row === undefined || row.isDisposed) {
    const tf = tfSync();
    row = tf.keep(tf.ones([1, n]));
    onesRows.set(n, row);
  }
  return row;
}

function assertRank(what: string, t: Tensor, rank: number): void {
  if (t.rank !== rank) throw new Error(`${what}: expected a rank-${rank} tensor, got shape [${t.shape}]`);
}
