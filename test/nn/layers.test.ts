import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { CausalSelfAttention } from '../../src/nn/attention.js';
import { Dense } from '../../src/nn/dense.js';
import { OneHotEmbedding } from '../../src/nn/embedding.js';
import { GRUCell } from '../../src/nn/gru.js';
import { LayerNorm } from '../../src/nn/layer-norm.js';
import { MLP } from '../../src/nn/mlp.js';
import { loadTf, type Tensor, type Tf } from '../../src/nn/tf.js';
import { gradCheck, randomVariable } from './gradcheck.js';

let tf: Tf;
before(async () => {
  tf = await loadTf();
});

function values(t: Tensor): number[] {
  return [...t.dataSync()];
}

describe('Dense', () => {
  it('maps [batch, in] to [batch, out]; biases start at 0; gradients match finite differences', () => {
    const layer = new Dense({ inputs: 5, outputs: 3, activation: 'tanh' }, new Rng(1));
    const x = randomVariable([4, 5], 2);
    assert.deepEqual(layer.forward(x).shape, [4, 3]);
    assert.ok(values(layer.bias!).every((v) => v === 0));
    gradCheck('Dense', () => layer.forward(x), [...layer.namedParameters(), ['x', x]]);
    layer.dispose();
    x.dispose();
  });
});

describe('MLP', () => {
  it('builds CleanRL layers: orthogonal √2 hidden, the output gain last, no output activation', () => {
    const mlp = new MLP({ sizes: [6, 8, 8, 2], outputGain: 0.01 }, new Rng(1));
    assert.deepEqual(mlp.layers.map((l) => l.activation), ['tanh', 'tanh', 'none']);
    const last = mlp.layers[2].weight.dataSync();
    // orthogonal [8, 2] columns have norm 0.01
    let norm = 0;
    for (let i = 0; i < 8; i++) norm += last[i * 2] ** 2;
    assert.ok(Math.abs(Math.sqrt(norm) - 0.01) < 1e-6);
    const x = randomVariable([3, 6], 2);
    assert.deepEqual(mlp.forward(x).shape, [3, 2]);
    gradCheck('MLP', () => mlp.forward(x), [...mlp.namedParameters(), ['x', x]], { samples: 6 });
    mlp.dispose();
    x.dispose();
  });

  it('supports relu hidden layers', () => {
    const mlp = new MLP({ sizes: [4, 16, 3], activation: 'relu' }, new Rng(2));
    const x = randomVariable([5, 4], 3);
    assert.deepEqual(mlp.forward(x).shape, [5, 3]);
    gradCheck('MLP relu', () => mlp.forward(x), mlp.namedParameters(), { eps: 1e-3, atol: 3e-3 });
    mlp.dispose();
    x.dispose();
  });
});

describe('OneHotEmbedding', () => {
  it('looks up rows of its table for int32 tokens of any shape; only used rows get gradient', () => {
    const embed = new OneHotEmbedding({ vocabulary: 6, dim: 4 }, new Rng(1));
    const tokens = tf.tensor([[0, 5, 2], [2, 2, 1]], [2, 3], 'int32');
    const out = embed.forward(tokens);
    assert.deepEqual(out.shape, [2, 3, 4]);
    const table = embed.weight.dataSync();
    assert.deepEqual(values(out).slice(4, 8), [...table.slice(20, 24)]);
    const { value, grads } = tf.variableGrads(() => tf.sum(embed.forward(tokens)), [embed.weight]);
    const g = values(grads[embed.weight.name]);
    assert.deepEqual(g.slice(8, 12), [3, 3, 3, 3]); // token 2 appears three times
    assert.deepEqual(g.slice(16, 20), [0, 0, 0, 0]); // token 4 never
    gradCheck('OneHotEmbedding', () => embed.forward(tokens), embed.namedParameters(), { samples: 24 });
    assert.throws(() => embed.forward(tf.tensor([1.5])), /int32/);
    tf.dispose([tokens, out, value, grads[embed.weight.name]]);
    embed.dispose();
  });
});

describe('LayerNorm', () => {
  it('normalises the last dimension to mean 0 and variance 1, then scales; gradients match', () => {
    const norm = new LayerNorm({ dim: 5 }, new Rng(1));
    const x = randomVariable([2, 3, 5], 2, 3);
    const y = norm.forward(x);
    assert.deepEqual(y.shape, [2, 3, 5]);
    const v = values(y);
    for (let r = 0; r < 6; r++) {
      const row = v.slice(r * 5, r * 5 + 5);
      const mean = row.reduce((a, b) => a + b, 0) / 5;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 5;
      assert.ok(Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-3, `row ${r}: mean ${mean}, variance ${variance}`);
    }
    // Non-trivial gain and bias for the check.
    norm.loadStateDict({ weight: Float32Array.of(1, 2, -1, 0.5, 1.5), bias: Float32Array.of(0, 1, 0, -1, 0.5) });
    gradCheck('LayerNorm', () => norm.forward(x), [...norm.namedParameters(), ['x', x]], { samples: 30 });
    norm.dispose();
    x.dispose();
  });
});

describe('CausalSelfAttention', () => {
  it('maps [batch, time, dim] to the same shape; gradients match finite differences', () => {
    const attention = new CausalSelfAttention({ dim: 8, heads: 2, init: { kind: 'normal', std: 0.5 } }, new Rng(1));
    const x = randomVariable([2, 4, 8], 2);
    assert.deepEqual(attention.forward(x).shape, [2, 4, 8]);
    assert.deepEqual(
      attention.namedParameters().map(([n]) => n),
      ['query.weight', 'query.bias', 'key.weight', 'key.bias', 'value.weight', 'value.bias', 'output.weight', 'output.bias'],
    );
    gradCheck('CausalSelfAttention', () => attention.forward(x), [...attention.namedParameters(), ['x', x]], { samples: 8 });
    attention.dispose();
    x.dispose();
  });

  it('is causal: changing a later position leaves earlier outputs unchanged', () => {
    const attention = new CausalSelfAttention({ dim: 8, heads: 4, init: { kind: 'normal', std: 0.5 } }, new Rng(3));
    const base = randomVariable([1, 5, 8], 4).dataSync() as Float32Array;
    const changed = base.slice();
    for (let i = 3 * 8; i < 5 * 8; i++) changed[i] += 1; // positions 3 and 4
    const a = values(attention.forward(tf.tensor(base, [1, 5, 8])));
    const b = values(attention.forward(tf.tensor(changed, [1, 5, 8])));
    for (let i = 0; i < 3 * 8; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `position ${Math.floor(i / 8)} changed`);
    assert.ok(a.slice(3 * 8).some((v, i) => Math.abs(v - b[3 * 8 + i]) > 1e-3));
    attention.dispose();
  });

  it('rejects a width not divisible by the heads', () => {
    assert.throws(() => new CausalSelfAttention({ dim: 10, heads: 4 }, new Rng(1)), /not divisible/);
  });
});

describe('GRUCell', () => {
  it('follows the PyTorch equations; gradients match finite differences', () => {
    const cell = new GRUCell({ inputs: 3, hidden: 4 }, new Rng(1));
    const x = randomVariable([2, 3], 2);
    const h = randomVariable([2, 4], 3, 0.5);
    const next = cell.forward(x, h);
    assert.deepEqual(next.shape, [2, 4]);
    // The equations, written directly with tfjs ops.
    const expected = tf.tidy(() => {
      const gi = tf.add(tf.matMul(x, cell.weightIH), cell.biasIH);
      const gh = tf.add(tf.matMul(h, cell.weightHH), cell.biasHH);
      const part = (t: Tensor, k: number) => tf.slice(t, [0, 4 * k], [2, 4]);
      const r = tf.sigmoid(tf.add(part(gi, 0), part(gh, 0)));
      const z = tf.sigmoid(tf.add(part(gi, 1), part(gh, 1)));
      const n = tf.tanh(tf.add(part(gi, 2), tf.mul(r, part(gh, 2))));
      return tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    });
    const a = values(next);
    const e = values(expected);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - e[i]) < 1e-6);
    assert.deepEqual(cell.namedParameters().map(([n, v]) => `${n} [${v.shape}]`), [
      'weight_ih [3,12]',
      'weight_hh [4,12]',
      'bias_ih [12]',
      'bias_hh [12]',
    ]);
    gradCheck('GRUCell', () => cell.forward(x, h), [...cell.namedParameters(), ['x', x], ['h', h]]);
    cell.dispose();
    tf.dispose([x, h]);
  });
});
