import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { MLP } from '../../src/nn/mlp.js';
import { Module, StateDictError } from '../../src/nn/module.js';
import { loadTf, type Tensor, type Tf } from '../../src/nn/tf.js';

let tf: Tf;
before(async () => {
  tf = await loadTf();
});

/** CleanRL's PPO network: separate actor and critic MLPs. */
class ActorCritic extends Module {
  readonly actor: MLP;
  readonly critic: MLP;
  constructor(rng: Rng, hidden = 64) {
    super();
    this.actor = this.module('actor', new MLP({ sizes: [147, hidden, hidden, 5], outputGain: 0.01 }, rng));
    this.critic = this.module('critic', new MLP({ sizes: [147, hidden, hidden, 1], outputGain: 1 }, rng));
  }
}

function outputs(net: ActorCritic, x: Tensor): number[] {
  return tf.tidy(() => [...net.actor.forward(x).dataSync(), ...net.critic.forward(x).dataSync()]);
}

describe('Module', () => {
  it('names parameters by dotted path in a stable order', () => {
    const net = new ActorCritic(new Rng(1));
    assert.deepEqual(
      net.namedParameters().map(([name, v]) => `${name} [${v.shape}]`),
      [
        'actor.0.weight [147,64]',
        'actor.0.bias [64]',
        'actor.1.weight [64,64]',
        'actor.1.bias [64]',
        'actor.2.weight [64,5]',
        'actor.2.bias [5]',
        'critic.0.weight [147,64]',
        'critic.0.bias [64]',
        'critic.1.weight [64,64]',
        'critic.1.bias [64]',
        'critic.2.weight [64,1]',
        'critic.2.bias [1]',
      ],
    );
    assert.equal(net.parameterCount(), 2 * (147 * 64 + 64 + 64 * 64 + 64) + 64 * 5 + 5 + 64 + 1);
    assert.deepEqual(net.parameters(), net.namedParameters().map(([, v]) => v));
    net.dispose();
  });

  it('is deterministic in its seed: same seed, same weights; other seed, other weights', () => {
    const a = new ActorCritic(new Rng(7)).stateDict();
    const b = new ActorCritic(new Rng(7)).stateDict();
    const c = new ActorCritic(new Rng(8)).stateDict();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a['actor.0.weight'], c['actor.0.weight']);
    assert.ok(a['actor.0.bias'].every((v) => v === 0));
  });

  it('round-trips through its state dict: a network of another seed then computes the same outputs', () => {
    const x = tf.randomUniform([3, 147], 0, 1, 'float32', 1);
    const source = new ActorCritic(new Rng(1));
    const target = new ActorCritic(new Rng(2));
    assert.notDeepEqual(outputs(source, x), outputs(target, x));
    const dict = source.stateDict();
    target.loadStateDict(dict);
    assert.deepEqual(outputs(target, x), outputs(source, x));
    assert.deepEqual(target.stateDict(), dict);
    dict['actor.0.weight'][0] = 123; // the dict is a copy
    assert.notEqual(source.stateDict()['actor.0.weight'][0], 123);
    tf.dispose(x);
    source.dispose();
    target.dispose();
  });

  it('refuses a state dict that does not fit, naming the parameter, and writes nothing', () => {
    const net = new ActorCritic(new Rng(1));
    const before = net.stateDict();
    const good = new ActorCritic(new Rng(2)).stateDict();
    const { ['critic.2.bias']: _dropped, ...missing } = good;
    assert.throws(() => net.loadStateDict(missing), (e: unknown) => e instanceof StateDictError && /missing parameter "critic\.2\.bias" \(shape \[1\]\)/.test(e.message));
    assert.throws(() => net.loadStateDict({ ...good, 'actor.3.weight': new Float32Array(4) }), /unexpected parameter "actor\.3\.weight"/);
    assert.throws(
      () => net.loadStateDict({ ...good, 'actor.1.weight': new Float32Array(10) }),
      /"actor\.1\.weight" has 10 values but the network's has shape \[64,64\] \(4096 values\)/,
    );
    const wider = new ActorCritic(new Rng(3), 32).stateDict();
    assert.throws(() => net.loadStateDict(wider), /another architecture/);
    assert.throws(() => net.loadStateDict({ ...good, 'actor.0.bias': new Float64Array(64) as unknown as Float32Array }), /not a Float32Array/);
    assert.deepEqual(net.stateDict(), before);
    net.dispose();
  });

  it('rejects duplicate or dotted names', () => {
    class Bad extends Module {
      constructor(name: string) {
        super();
        this.module('a', new MLP({ sizes: [2, 2] }, new Rng(1)));
        this.module(name, new MLP({ sizes: [2, 2] }, new Rng(1)));
      }
    }
    assert.throws(() => new Bad('a'), /already has/);
    assert.throws(() => new Bad('b.c'), /no "\."/);
  });

  it('dispose() releases every parameter', () => {
    const before = tf.memory().numTensors;
    const net = new ActorCritic(new Rng(1));
    assert.equal(tf.memory().numTensors, before + 12);
    net.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
