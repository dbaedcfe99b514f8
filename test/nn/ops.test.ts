import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { batchMatMul } from '../../src/nn/batch-matmul.js';
import { customOp } from '../../src/nn/custom-op.js';
import { jsLoss } from '../../src/nn/js-loss.js';
import { dense, matMul, relu, sumRows, tanh } from '../../src/nn/ops.js';
import { loadTf, type Tensor, type Tf } from '../../src/nn/tf.js';
import { gradCheck, randomVariable } from './gradcheck.js';

let tf: Tf;
before(async () => {
  tf = await loadTf();
});

/** Largest absolute difference between two tensors of the same shape. */
function maxDifference(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst;
}

describe('ops', () => {
  it('matMul equals tf.matMul, and its gradients match finite differences', () => {
    const a = randomVariable([5, 4], 1);
    const b = randomVariable([4, 3], 2);
    assert.ok(maxDifference(matMul(a, b), tf.matMul(a, b)) < 1e-6);
    gradCheck('matMul', () => matMul(a, b), [['a', a], ['b', b]]);
    tf.dispose([a, b]);
  });

  it('tanh equals tf.tanh to float32 precision, and its gradient is dy·(1 − y²)', () => {
    const x = randomVariable([3, 7], 3, 2);
    assert.ok(maxDifference(tanh(x), tf.tanh(x)) < 2e-7 * 4);
    gradCheck('tanh', () => tanh(x), [['x', x]]);
    x.dispose();
  });

  it('relu equals tf.relu and has the same gradient as tf.relu', () => {
    const x = randomVariable([4, 6], 4);
    assert.ok(maxDifference(relu(x), tf.relu(x)) === 0);
    const ours = tf.grad((t: Tensor) => tf.sum(tf.mul(relu(t), tf.range(0, 24).reshape([4, 6]))))(x);
    const theirs = tf.grad((t: Tensor) => tf.sum(tf.mul(tf.relu(t), tf.range(0, 24).reshape([4, 6]))))(x);
    assert.ok(maxDifference(ours, theirs) === 0);
    x.dispose();
  });

  for (const activation of ['none', 'tanh', 'relu'] as const) {
    it(`dense (${activation}) equals its definition; gradients match finite differences`, () => {
      const x = randomVariable([6, 5], 5);
      const w = randomVariable([5, 4], 6, 0.5);
      const b = randomVariable([4], 7, 0.5);
      const z = tf.add(tf.matMul(x, w), b);
      const expected = activation === 'tanh' ? tf.tanh(z) : activation === 'relu' ? tf.relu(z) : z;
      assert.ok(maxDifference(dense(x, w, b, activation), expected) < 1e-5);
      // relu has kinks: its finite differences are checked on the smooth side (ε well below |z|).
      gradCheck(`dense ${activation}`, () => dense(x, w, b, activation), [['x', x], ['w', w], ['b', b]], {
        eps: activation === 'relu' ? 1e-3 : 1e-2,
        atol: activation === 'relu' ? 3e-3 : undefined,
      });
      tf.dispose([x, w, b]);
    });
  }

  it('dense takes [..., inputs] of any rank, and works without a bias', () => {
    const x = randomVariable([2, 3, 5], 8);
    const w = randomVariable([5, 4], 9);
    const y = dense(x, w, null, 'tanh');
    assert.deepEqual(y.shape, [2, 3, 4]);
    gradCheck('dense rank 3', () => dense(x, w, null, 'tanh'), [['x', x], ['w', w]]);
    assert.throws(() => dense(randomVariable([2, 6], 1), w, null), /6 features/);
    tf.dispose([x, w, y]);
  });

  it('batchMatMul equals tf.matMul on batches, and its gradients match finite differences', () => {
    const a = randomVariable([3, 4, 5], 10);
    const b = randomVariable([3, 5, 2], 11);
    assert.ok(maxDifference(batchMatMul(a, b), tf.matMul(a, b)) < 1e-5);
    gradCheck('batchMatMul', () => batchMatMul(a, b), [['a', a], ['b', b]]);
    tf.dispose([a, b]);
  });

  it('sumRows sums columns', () => {
    const t = tf.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    assert.deepEqual([...sumRows(t).dataSync()], [9, 12]);
    t.dispose();
  });

  it('custom ops compute only the gradients that are needed, and free what they saved', () => {
    const asked: number[] = [];
    const square = (x: Tensor, w: Tensor): Tensor =>
      customOp(
        [x, w],
        (save) => {
          save([x, w]);
          return tf.mul(tf.mul(x, x), w);
        },
        (dy, [sx, sw]) => [
          () => {
            asked.push(0);
            return tf.mul(dy, tf.mul(tf.mul(sx, sw), 2));
          },
          () => {
            asked.push(1);
            return tf.mul(dy, tf.mul(sx, sx));
          },
        ],
      );
    const x = tf.tensor([1, 2, 3]); // a constant input: not on the path from the variables
    const w = tf.variable(tf.tensor([1, 1, 1]));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.sum(square(x, w)), [w]);
    assert.deepEqual(asked, [1]);
    assert.deepEqual([...grads[w.name].dataSync()], [1, 4, 9]);
    tf.dispose([value, grads[w.name]]);
    assert.equal(tf.memory().numTensors, before);
    // Without a tape (inference) nothing is saved.
    const y = square(x, w);
    y.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, w]);
  });

  it('jsLoss: a loss computed in JS, with its hand-written gradient, chains into the network', () => {
    const x = randomVariable([4, 3], 12);
    const w = randomVariable([3, 2], 13);
    // L = Σ sin(y) over y = x · w, computed in JS; dL/dy = cos(y).
    const loss = () =>
      jsLoss([matMul(x, w)], ([y]) => ({ loss: y.reduce((a, v) => a + Math.sin(v), 0), gradients: [y.map(Math.cos)] }));
    const expected = tf.tidy(() => tf.sum(tf.sin(tf.matMul(x, w))).dataSync()[0]);
    assert.ok(Math.abs(tf.tidy(() => loss().dataSync()[0]) - expected) < 1e-5);
    gradCheck('jsLoss', () => tf.mul(loss(), 3), [['x', x], ['w', w]]);
    assert.throws(() => jsLoss([x], () => ({ loss: 0, gradients: [] })), /1 inputs but 0 gradients/);
    tf.dispose([x, w]);
  });
});
