import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { Conv2d, conv2d3x3, convOutputSize } from '../../src/nn/conv2d.js';
import { loadTf, type Tf } from '../../src/nn/tf.js';
import { gradCheck, randomVariable } from './gradcheck.js';

let tf: Tf;
before(async () => {
  tf = await loadTf();
});

describe('conv2d3x3', () => {
  for (const stride of [1, 2] as const) {
    for (const [h, w] of [
      [6, 6],
      [5, 7],
    ]) {
      it(`matches tf.conv2d with padding 1, stride ${stride}, ${h}×${w}`, () => {
        const x = randomVariable([2, h, w, 3], 1);
        const k = randomVariable([3, 3, 3, 4], 2);
        const b = randomVariable([4], 3);
        const ours = conv2d3x3(x, k, b, stride);
        const reference = tf.add(tf.conv2d(x as never, k as never, stride, [[0, 0], [1, 1], [1, 1], [0, 0]]), b);
        assert.deepEqual(ours.shape, [2, convOutputSize(h, stride), convOutputSize(w, stride), 4]);
        assert.deepEqual(ours.shape, reference.shape);
        const a = ours.dataSync();
        const r = reference.dataSync();
        for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - r[i]) < 1e-5, `value ${i}: ${a[i]} vs ${r[i]}`);
        tf.dispose([x, k, b, ours, reference]);
      });
      for (const activation of ['none', 'tanh'] as const) {
        it(`gradients match finite differences: stride ${stride}, ${h}×${w}, ${activation}`, () => {
          const x = randomVariable([2, h, w, 3], 4);
          const k = randomVariable([3, 3, 3, 4], 5, 0.3);
          const b = randomVariable([4], 6, 0.3);
          gradCheck(`conv s${stride} ${h}x${w} ${activation}`, () => conv2d3x3(x, k, b, stride, activation), [
            ['x', x],
            ['weight', k],
            ['bias', b],
          ], { samples: 20 });
          tf.dispose([x, k, b]);
        });
      }
    }
  }
});

describe('Conv2d', () => {
  it('maps NCHW to NCHW with the PyTorch output size, and NHWC to NHWC', () => {
    const rng = new Rng(1);
    const conv = new Conv2d({ inChannels: 4, outChannels: 8, stride: 2 }, rng);
    const x = tf.zeros([3, 4, 9, 10]);
    const y = conv.forward(x);
    assert.deepEqual(y.shape, [3, 8, 5, 5]);
    const nhwc = new Conv2d({ inChannels: 4, outChannels: 8, layout: 'NHWC' }, rng);
    const z = nhwc.forward(tf.zeros([3, 9, 10, 4]));
    assert.deepEqual(z.shape, [3, 9, 10, 8]);
    assert.deepEqual(conv.namedParameters().map(([n, v]) => [n, v.shape]), [
      ['weight', [3, 3, 4, 8]],
      ['bias', [8]],
    ]);
    tf.dispose([x, y, z]);
    conv.dispose();
    nhwc.dispose();
  });

  it('trains: parameter gradients of an NCHW relu layer match finite differences', () => {
    const conv = new Conv2d({ inChannels: 2, outChannels: 3, stride: 2, activation: 'tanh' }, new Rng(3));
    const x = randomVariable([2, 2, 5, 6], 9);
    gradCheck('Conv2d NCHW', () => conv.forward(x), [...conv.namedParameters(), ['x', x]], { samples: 20 });
    conv.dispose();
    x.dispose();
  });
});
