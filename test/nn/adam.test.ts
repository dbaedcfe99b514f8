import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MesalabError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { Adam, type AdamOptions, type AdamStepResult } from '../../src/nn/adam.js';
import { MLP } from '../../src/nn/mlp.js';
import { loadTf, type Tf, type Variable } from '../../src/nn/tf.js';

let tf: Tf;
before(async () => {
  tf = await loadTf();
});

/** Adam as PyTorch writes it (torch.optim.Adam, no weight decay), in float64, after clip_grad_norm_. */
function referenceAdam(
  w: number[],
  gradient: (w: number[]) => number[],
  steps: number,
  { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, maxGradNorm = Infinity }: AdamOptions,
): number[] {
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    let g = gradient(w);
    const norm = Math.sqrt(g.reduce((a, b) => a + b * b, 0));
    const clip = Math.min(1, maxGradNorm / (norm + 1e-6));
    g = g.map((x) => x * clip);
    w = w.map((wi, i) => {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      const stepSize = lr / (1 - beta1 ** t);
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - beta2 ** t) + eps;
      return wi - (stepSize * m[i]) / denom;
    });
  }
  return w;
}

// L(w) = Σ (c ⊙ w)², ∇L = 2 c² ⊙ w
const c = [3, 0.5, -1];
const quadraticGradient = (w: number[]) => w.map((wi, i) => 2 * c[i] * c[i] * wi);

function quadratic(start: number[]): { w: Variable; loss: () => ReturnType<Tf['sum']> } {
  const w = tf.variable(tf.tensor(start));
  const ct = tf.tensor(c);
  return { w, loss: () => tf.sum(tf.square(tf.mul(ct, w))) };
}

describe('Adam', () => {
  it('takes the hand-computed first step: lr·sign(g) for each coordinate', () => {
    const { w, loss } = quadratic([1, -2, 0.5]);
    const adam = new Adam([['w', w]], { lr: 0.1 });
    const result = adam.step(loss);
    assert.ok(Math.abs(result.loss - (9 + 1 + 0.25)) < 1e-5);
    assert.ok(Math.abs(result.gradNorm - Math.hypot(18, -1, 1)) < 1e-5);
    const after = [...w.dataSync()];
    [0.9, -1.9, 0.4].forEach((expected, i) => assert.ok(Math.abs(after[i] - expected) < 1e-6, `w[${i}] = ${after[i]}`));
    w.dispose();
  });

  for (const options of [{ lr: 0.05 }, { lr: 0.02, beta1: 0.5, beta2: 0.9, eps: 1e-5 }, { lr: 0.05, maxGradNorm: 0.5 }] as AdamOptions[]) {
    it(`matches PyTorch's update over 25 steps: ${JSON.stringify(options)}`, () => {
      const start = [1, -2, 0.5];
      const { w, loss } = quadratic(start);
      const adam = new Adam([['w', w]], options);
      for (let i = 0; i < 25; i++) adam.step(loss);
      const expected = referenceAdam(start, quadraticGradient, 25, options);
      const actual = [...w.dataSync()];
      actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) < 1e-5, `w[${i}]: ${a} vs ${expected[i]}`));
      assert.equal(adam.steps, 25);
      w.dispose();
    });
  }

  it('clips to the global norm: the first moment holds (1 − β1)·g·max/‖g‖, the norm is reported unclipped', () => {
    const { w, loss } = quadratic([1, -2, 0.5]);
    const adam = new Adam([['w', w]], { lr: 0.1, maxGradNorm: 0.5 });
    const { gradNorm } = adam.step(loss);
    const m = adam.state().arrays['w.exp_avg'];
    const clippedNorm = Math.hypot(...m) / (1 - 0.9);
    assert.ok(Math.abs(gradNorm - Math.hypot(18, 1, 1)) < 1e-4);
    assert.ok(Math.abs(clippedNorm - 0.5) < 1e-6, `clipped norm ${clippedNorm}`);
    // Below the threshold nothing is scaled.
    const small = quadratic([0.01, 0.01, 0.01]);
    const unclipped = new Adam([['w', small.w]], { lr: 0.1, maxGradNorm: 0.5 });
    const r = unclipped.step(small.loss);
    assert.ok(Math.abs(Math.hypot(...unclipped.state().arrays['w.exp_avg']) / 0.1 - r.gradNorm) < 1e-6);
    tf.dispose([w, small.w]);
  });

  it('learns a regression: an MLP fits sin(x) on [−π, π] to MSE < 0.01', () => {
    const rng = new Rng(1);
    const mlp = new MLP({ sizes: [1, 32, 32, 1] }, rng);
    const n = 128;
    const xs = Float32Array.from({ length: n }, (_, i) => -Math.PI + (2 * Math.PI * i) / (n - 1));
    const x = tf.tensor(xs, [n, 1]);
    const y = tf.tensor(xs.map(Math.sin), [n, 1]);
    const adam = new Adam(mlp, { lr: 0.01 });
    let loss = Infinity;
    for (let i = 0; i < 400; i++) loss = adam.step(() => tf.mean(tf.square(tf.sub(mlp.forward(x), y)))).loss;
    assert.ok(loss < 0.01, `final MSE ${loss}`);
    tf.dispose([x, y]);
    mlp.dispose();
  });

  it('learns a classification: XOR with softmax cross-entropy below 0.05, and reports metrics', () => {
    const mlp = new MLP({ sizes: [2, 16, 2] }, new Rng(2));
    const x = tf.tensor([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]);
    const labels = tf.tensor([[1, 0], [0, 1], [0, 1], [1, 0]]);
    const adam = new Adam(mlp, { lr: 0.05 });
    let result: AdamStepResult | undefined;
    for (let i = 0; i < 300; i++) {
      result = adam.step(() => {
        const logits = mlp.forward(x);
        const loss = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)));
        const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(labels, 1)), 'float32'));
        return { loss, metrics: { accuracy, loss } }; // the loss itself may be a metric too
      });
    }
    assert.ok(result !== undefined && result.loss < 0.05, `final loss ${result?.loss}`);
    assert.equal(result.metrics.accuracy, 1);
    assert.equal(result.metrics.loss, result.loss);
    tf.dispose([x, labels]);
    mlp.dispose();
  });

  it('refuses a non-finite loss and leaves the parameters unchanged', () => {
    const { w } = quadratic([1, 2, 3]);
    const adam = new Adam([['w', w]], { lr: 0.1 });
    assert.throws(() => adam.step(() => tf.div(tf.sum(w), tf.scalar(0))), (e: unknown) => e instanceof MesalabError && /not finite/.test(e.message));
    assert.deepEqual([...w.dataSync()], [1, 2, 3]);
    assert.equal(adam.steps, 0);
    w.dispose();
  });

  it('sees parameters changed from outside (loadStateDict) between steps', () => {
    const { w, loss } = quadratic([1, -2, 0.5]);
    const adam = new Adam([['w', w]], { lr: 0.1 });
    adam.step(loss);
    const replacement = tf.tensor([5, 5, 5]);
    w.assign(replacement);
    replacement.dispose();
    adam.step(loss);
    // The second step moves from 5, not from the optimizer's own previous values.
    assert.ok([...w.dataSync()].every((v) => v > 4.5 && v < 5));
    w.dispose();
  });
});

describe('Adam state', () => {
  /** A small PPO-like setting: an MLP, random mini-batches, clipping and an annealed learning rate. */
  function setup(seed: number) {
    const mlp = new MLP({ sizes: [6, 16, 16, 3], outputGain: 0.01 }, new Rng(seed));
    const adam = new Adam(mlp, { lr: 3e-3, eps: 1e-5, maxGradNorm: 0.5 });
    return { mlp, adam };
  }
  function train(mlp: MLP, adam: Adam, from: number, to: number): void {
    for (let t = from; t < to; t++) {
      const rng = new Rng(1000 + t); // each step's batch depends only on the step
      const x = tf.tensor(Float32Array.from({ length: 32 * 6 }, () => rng.float() * 2 - 1), [32, 6]);
      const target = tf.tensor(Float32Array.from({ length: 32 * 3 }, () => rng.float()), [32, 3]);
      adam.lr = 3e-3 * (1 - t / 40);
      adam.step(() => tf.mean(tf.square(tf.sub(mlp.forward(x), target))));
      tf.dispose([x, target]);
    }
  }
  const bits = (dict: Record<string, Float32Array>) => Object.fromEntries(Object.entries(dict).map(([k, v]) => [k, [...new Uint32Array(v.buffer, v.byteOffset, v.length)]]));

  it('exports and restores so that a resumed run continues bit for bit', () => {
    const unbroken = setup(1);
    train(unbroken.mlp, unbroken.adam, 0, 20);

    const first = setup(1);
    train(first.mlp, first.adam, 0, 10);
    const weights = first.mlp.stateDict();
    const optimizer = first.adam.state();
    first.mlp.dispose();

    const resumed = setup(99); // other initial weights: everything must come from the saved state
    resumed.mlp.loadStateDict(weights);
    resumed.adam.loadState(optimizer);
    assert.equal(resumed.adam.steps, 10);
    train(resumed.mlp, resumed.adam, 10, 20);

    assert.deepEqual(bits(resumed.mlp.stateDict()), bits(unbroken.mlp.stateDict()));
    assert.deepEqual(bits(resumed.adam.state().arrays as Record<string, Float32Array>), bits(unbroken.adam.state().arrays as Record<string, Float32Array>));
    assert.equal(resumed.adam.lr, unbroken.adam.lr);
    resumed.mlp.dispose();
    unbroken.mlp.dispose();
  });

  it('names moments after parameters, and refuses a state that does not fit', () => {
    const { mlp, adam } = setup(1);
    const state = adam.state();
    assert.deepEqual(Object.keys(state.arrays).slice(0, 2), ['0.weight.exp_avg', '0.weight.exp_avg_sq']);
    const { ['2.bias.exp_avg_sq']: _dropped, ...missing } = state.arrays;
    assert.throws(() => adam.loadState({ ...state, arrays: missing }), /missing "2\.bias\.exp_avg_sq"/);
    assert.throws(() => adam.loadState({ ...state, arrays: { ...state.arrays, '0.bias.exp_avg': new Float32Array(3) } }), /"0\.bias\.exp_avg" has 3 values, expected 16/);
    mlp.dispose();
  });
});
