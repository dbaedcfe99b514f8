import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { TanhMlpActorCritic } from '../../src/nn/tanh-mlp.js';

/** The same network in plain float64 JS, from a state dict: the reference. */
function reference(state: Record<string, Float32Array>, x: Float32Array, batch: number, inputs: number, sizes: { hidden: number[]; actions: number }) {
  const run = (prefix: string, outputs: number) => {
    const dims = [inputs, ...sizes.hidden, outputs];
    let h = Array.from({ length: batch }, (_, b) => Array.from(x.subarray(b * inputs, (b + 1) * inputs)));
    for (let l = 0; l < dims.length - 1; l++) {
      const w = state[`${prefix}.${l}.weight`];
      const bias = state[`${prefix}.${l}.bias`];
      h = h.map((row) =>
        Array.from({ length: dims[l + 1] }, (_, o) => {
          let z = bias[o];
          for (let i = 0; i < dims[l]; i++) z += row[i] * w[i * dims[l + 1] + o];
          return l === dims.length - 2 ? z : Math.tanh(z);
        }),
      );
    }
    return h.flat();
  };
  return { logits: run('actor', sizes.actions), values: run('critic', 1) };
}

describe('TanhMlpActorCritic', () => {
  const inputs = 7;
  const hidden = [6, 5];
  const actions = 3;
  const batch = 4;
  const x = Float32Array.from({ length: batch * inputs }, (_, i) => Math.sin(i * 1.7));

  it('computes tanh MLPs: outputs equal a float64 reference within 1e-5, also after training steps', () => {
    const net = new TanhMlpActorCritic(inputs, actions, hidden, new Rng(3));
    for (let step = 0; step < 3; step++) {
      const out = net.forward(x, batch);
      const ref = reference(net.state(), x, batch, inputs, { hidden, actions });
      ref.logits.forEach((v, i) => assert.ok(Math.abs(v - out.logits[i]) < 1e-5, `logit ${i}: ${out.logits[i]} vs ${v}`));
      ref.values.forEach((v, i) => assert.ok(Math.abs(v - out.values[i]) < 1e-5, `value ${i}: ${out.values[i]} vs ${v}`));
      net.backwardAndStep(Float32Array.from({ length: batch * actions }, (_, i) => Math.cos(i)), Float32Array.from({ length: batch }, (_, i) => i - 1.5), 0.05, 10);
    }
    net.dispose();
  });

  it('backpropagates exactly: gradients match central finite differences of the float64 reference', () => {
    const net = new TanhMlpActorCritic(inputs, actions, hidden, new Rng(4));
    const dLogits = Float32Array.from({ length: batch * actions }, (_, i) => Math.cos(i * 0.9));
    const dValues = Float32Array.from({ length: batch }, (_, i) => 0.5 - i * 0.3);
    net.forward(x, batch);
    const analytic = net.gradients(dLogits, dValues);
    const state = net.state();
    // L = Σ dLogits·logits + Σ dValues·values, differentiated numerically through the reference.
    const lossAt = (s: Record<string, Float32Array>) => {
      const r = reference(s, x, batch, inputs, { hidden, actions });
      return r.logits.reduce((t, v, i) => t + v * dLogits[i], 0) + r.values.reduce((t, v, i) => t + v * dValues[i], 0);
    };
    let checked = 0;
    for (const name of Object.keys(analytic)) {
      for (let i = 0; i < state[name].length; i += 3) {
        const h = 1e-3;
        const up = { ...state, [name]: Float32Array.from(state[name]) };
        const down = { ...state, [name]: Float32Array.from(state[name]) };
        up[name][i] += h;
        down[name][i] -= h;
        const numeric = (lossAt(up) - lossAt(down)) / (2 * (up[name][i] - state[name][i]));
        assert.ok(Math.abs(numeric - analytic[name][i]) < 2e-3 * Math.max(1, Math.abs(numeric)), `${name}[${i}]: analytic ${analytic[name][i]}, numeric ${numeric}`);
        checked++;
      }
    }
    assert.ok(checked > 40);
    net.dispose();
  });

  it('is seeded: same seed, same weights; another seed, others; state round-trips exactly', () => {
    const a = new TanhMlpActorCritic(inputs, actions, hidden, new Rng(9));
    const b = new TanhMlpActorCritic(inputs, actions, hidden, new Rng(9));
    const c = new TanhMlpActorCritic(inputs, actions, hidden, new Rng(10));
    assert.deepEqual(a.state(), b.state());
    assert.notDeepEqual(a.state()['actor.0.weight'], c.state()['actor.0.weight']);
    a.forward(x, batch);
    a.backwardAndStep(new Float32Array(batch * actions).fill(0.1), new Float32Array(batch).fill(0.2), 0.01, 0.5);
    c.loadState(a.state());
    assert.deepEqual(c.state(), a.state());
    assert.deepEqual(Array.from(c.forward(x, batch).logits), Array.from(a.forward(x, batch).logits));
    assert.throws(() => c.loadState({ 'actor.0.weight': new Float32Array(2) }), /has 2 values, this network 42/);
    [a, b, c].forEach((n) => n.dispose());
  });

  it('without a critic is the actor alone: the same logits and actor steps as with one, no values, no critic state', () => {
    const full = new TanhMlpActorCritic(inputs, actions, hidden, new Rng(5));
    const actor = new TanhMlpActorCritic(inputs, actions, hidden, new Rng(5), { critic: false });
    const dLogits = Float32Array.from({ length: batch * actions }, (_, i) => Math.cos(i * 1.3));
    for (let step = 0; step < 3; step++) {
      const a = full.forward(x, batch);
      const b = actor.forward(x, batch);
      assert.deepEqual(Array.from(b.logits), Array.from(a.logits));
      assert.equal(b.values.length, 0);
      // zero value gradients: the global norm and so the clipped actor step are the same in both
      const normFull = full.backwardAndStep(dLogits, new Float32Array(batch), 0.05, 0.5);
      const normActor = actor.backwardAndStep(dLogits, new Float32Array(batch), 0.05, 0.5);
      assert.equal(normActor, normFull);
    }
    const state = actor.state();
    assert.ok(Object.keys(state).every((key) => !key.includes('critic')), Object.keys(state).join(', '));
    const fullState = full.state();
    for (const [key, value] of Object.entries(state)) assert.deepEqual(Array.from(value), Array.from(fullState[key]), key);
    // a checkpoint of the full network (as DQN and BC saved before) loads into the actor alone
    const restored = new TanhMlpActorCritic(inputs, actions, hidden, new Rng(6), { critic: false });
    restored.loadState(fullState);
    assert.deepEqual(Array.from(restored.forward(x, batch).logits), Array.from(full.forward(x, batch).logits));
    [full, actor, restored].forEach((n) => n.dispose());
  });

  it('grows its memory for a larger batch and keeps its weights; says what is wrong with a bad call', () => {
    const net = new TanhMlpActorCritic(inputs, actions, hidden, new Rng(8));
    for (const rows of [2, 300, 3]) {
      const xs = Float32Array.from({ length: rows * inputs }, (_, i) => Math.cos(i * 0.37));
      const out = net.forward(xs, rows);
      const ref = reference(net.state(), xs, rows, inputs, { hidden, actions });
      ref.logits.forEach((v, i) => assert.ok(Math.abs(v - out.logits[i]) < 1e-5, `batch ${rows}, logit ${i}`));
      ref.values.forEach((v, i) => assert.ok(Math.abs(v - out.values[i]) < 1e-5, `batch ${rows}, value ${i}`));
      net.backwardAndStep(new Float32Array(rows * actions).fill(0.01), new Float32Array(rows).fill(-0.02), 0.01, 0.5);
    }
    const fresh = new TanhMlpActorCritic(inputs, actions, hidden, new Rng(8));
    assert.throws(() => fresh.backwardAndStep(new Float32Array(actions), new Float32Array(1), 0.01, 0.5), /backwardAndStep\(\) needs a forward\(\) first/);
    assert.throws(() => fresh.forward(new Float32Array(inputs), 2), /7 observation values for a batch of 2 × 7/);
    fresh.forward(x, batch);
    assert.throws(() => fresh.gradients(new Float32Array(2), new Float32Array(batch)), /2 output gradients for a batch of 4 × 3/);
    assert.throws(() => new TanhMlpActorCritic(inputs, 0, hidden, new Rng(1)), /must be positive integers/);
    [net, fresh].forEach((n) => n.dispose());
  });
});
