import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { dtPpo, DT_PPO_DEFAULTS, phaseOfSplit, type DtPpoConfig } from '../../src/algos/dt-ppo.js';
import { generateHistories, observe, tokenize } from '../../src/histories/index.js';
import { OBSERVATION } from '../../src/histories/tokens.js';
import { Rng } from '../../src/core/rng.js';
import { loadTf } from '../../src/nn/tf.js';
import { Life, windowStart } from '../../src/sequence/life.js';
import { loadHistoryModel } from '../../src/sequence/saved.js';
import { SMALL_SEQUENCE_CONFIG } from '../../src/sequence/trainer.js';
import { evaluatePolicy } from '../../src/train/evaluate.js';
import { setupFor, type RunConfig } from '../../src/train/run.js';
import type { Trainer } from '../../src/train/types.js';

const TINY: DtPpoConfig = { ...DT_PPO_DEFAULTS, dim: 16, heads: 2, layers: 1, context: 48, envs: 3 };
const run = (over: Partial<RunConfig> = {}): RunConfig => ({
  env: 'vault', split: 'train', set: [], algo: 'dt-ppo', hyperparameters: {}, seed: 4, steps: 2000, gamma: 0.99, rewardHorizon: 0, ...over,
});

before(async () => {
  await loadTf();
});

describe('Life and its acting windows', () => {
  it('every position is seen through a window that holds it and at least half a context of its past', () => {
    for (const context of [8, 9, 48]) {
      for (let p = 0; p < 10 * context; p++) {
        const start = windowStart(p, context);
        assert.ok(start <= p && p < start + context, `p ${p} in its window (context ${context})`);
        if (p >= context) assert.ok(p - start >= context >> 1, `p ${p} sees half a context of its past`);
      }
    }
  });

  it('writes observation, return, action in order, and a suffix keeps the observations with their positions', () => {
    const life = new Life(2);
    life.episodeStart('train', true);
    life.observe(Float32Array.of(1, 0), 'train', true);
    life.expect(4.5, 'train', true);
    const a = life.act(3, 'train', true);
    life.rewarded(a, 10);
    life.observe(Float32Array.of(0, 1), 'train', false);
    assert.throws(() => life.act(1, 'train', false), /ACTION position follows a RETURN/);
    const tail = life.suffix(4);
    assert.equal(tail.length, 1);
    assert.equal(tail.kind[0], OBSERVATION);
    assert.deepEqual([...tail.observations.subarray(0, 2)], [0, 1]);
    assert.deepEqual([life.action[2], life.predictedReturn[1], life.reward[3]], [3, 4.5, 10]);
    life.truncate(2);
    assert.equal(life.length, 2);
  });
});

describe('a life written step by step', () => {
  it('is laid out exactly as tokenize lays out a fictitious history (same kinds, flags, payloads, observations)', () => {
    const [history] = generateHistories({ agents: 'proxy:0.5,deceptive:0.5', histories: 1 }, new Rng(3));
    const expected = tokenize(history);
    const size = history.episodes[0].layout.size;
    const life = new Life(expected.observationSize);
    const planes = new Float32Array(expected.observationSize);
    for (const episode of history.episodes) {
      life.episodeStart(episode.phase, episode.watched);
      for (let t = 0; t < episode.actions.length; t++) {
        observe(episode.layout, episode.cells[t], planes);
        life.observe(planes, episode.phase, episode.watched);
        life.expect(episode.predictedReturns[t], episode.phase, episode.watched);
        life.rewarded(life.act(episode.actions[t], episode.phase, episode.watched), episode.rewards[t]);
      }
      life.episodeEnd(episode.phase, episode.watched);
      if (episode.after !== null) life.updated(episode.after === 'modification', episode.phase, episode.watched);
    }
    assert.equal(size, 7);
    assert.equal(life.length, expected.length);
    for (const field of ['kind', 'phase', 'watched', 'action', 'reward', 'predictedReturn', 'observationRow'] as const) {
      assert.deepEqual([...life[field].subarray(0, life.length)], [...expected[field]], field);
    }
    assert.deepEqual(life.observations.subarray(0, expected.observations.length), expected.observations);
  });
});

describe('dt-ppo', () => {
  const make = async (config: DtPpoConfig, state?: ReturnType<Trainer['save']>): Promise<Trainer> => dtPpo.create(setupFor(run()).setup, config, state);

  it('re-reads each step through the window it acted from (the first epoch’s KL is 0), and records its updates in the lives', async () => {
    const trainer = await make(TINY);
    for (let i = 0; i < 3; i++) {
      const m = await trainer.iterate();
      assert.ok(Math.abs(m.rereadKl) < 1e-5, `iteration ${i}: KL ${m.rereadKl}`);
    }
    assert.ok(trainer.steps > 0);
    trainer.dispose?.();
  });

  it('resumes from its saved state exactly as the unbroken run', async () => {
    const unbroken = await make(TINY);
    for (let i = 0; i < 3; i++) await unbroken.iterate();
    const first = await make(TINY);
    await first.iterate();
    const resumed = await make(TINY, first.save());
    for (let i = 0; i < 2; i++) await resumed.iterate();
    assert.equal(resumed.steps, unbroken.steps);
    const a = unbroken.save().arrays;
    const b = resumed.save().arrays;
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const key of Object.keys(a)) assert.deepEqual(b[key], a[key], key);
    for (const t of [unbroken, first, resumed]) t.dispose?.();
  });

  it('its policy acts after the same remembered past in every episode, in the phase its split names', async () => {
    const trainer = await make(TINY);
    await trainer.iterate();
    const state = trainer.save();
    trainer.dispose?.();
    const policy = await dtPpo.loadPolicy(setupFor(run()).setup, TINY, state);
    const once = evaluatePolicy(policy, run(), { split: 'watched', episodes: 3, seed: 50 }).episodes;
    const again = evaluatePolicy(policy, run(), { split: 'watched', episodes: 3, seed: 50 }).episodes;
    assert.deepEqual(again.map((e) => [e.return, e.steps]), once.map((e) => [e.return, e.steps]));
    assert.deepEqual(['deploy', 'deploy-watched', 'test', 'watched', 'train'].map(phaseOfSplit), ['deploy', 'deploy', 'test', 'train', 'train']);
    policy.dispose?.();
  });

  it('starts from a pretraining recipe made into the cache, keeping every weight but the observation encoder', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'mesalab-dt-cache-'));
    const saved = process.env.MESALAB_CACHE;
    process.env.MESALAB_CACHE = cache;
    try {
      const recipe = { ...TINY, pretrainMix: 'aligned:0.5,deceptive:0.5', pretrainHistories: 12, pretrainSteps: 3 };
      const trainer = await make(recipe);
      const model = readdirSync(cache).map((key) => join(cache, key, 'model'))[0];
      const { model: pretrained } = loadHistoryModel(model);
      assert.equal(pretrained.config.dim, SMALL_SEQUENCE_CONFIG.dim, 'the recipe\'s size, not the fresh-model settings');
      assert.equal(JSON.parse(readFileSync(join(cache, readdirSync(cache)[0], 'recipe.json'), 'utf8')).seed, 4, 'pretrainSeed −1: the run\'s seed');
      const weights = trainer.save().arrays;
      const before = pretrained.stateDict();
      for (const [name, values] of Object.entries(before)) {
        if (name.startsWith('observationEncoder')) assert.notEqual(weights[name].length, values.length, 'a new encoder for vault\'s observations');
        else assert.deepEqual(weights[name], values, name);
      }
      pretrained.dispose();
      trainer.dispose?.();
    } finally {
      if (saved === undefined) delete process.env.MESALAB_CACHE;
      else process.env.MESALAB_CACHE = saved;
    }
  });

  it('refuses worlds with other actions, and a directory given with a recipe', async () => {
    await assert.rejects(async () => dtPpo.create(setupFor(run({ env: 'absent-supervisor' })).setup, TINY), /acts with the actions the history model was trained on .*absent-supervisor has up, down, left, right\. Use an environment with those five, such as vault/);
    await assert.rejects(make({ ...TINY, pretrained: '/nowhere', pretrainMix: 'aligned:1' }), /a pretrained directory or a pretraining recipe \(pretrainMix\), not both/);
    await assert.rejects(make({ ...TINY, pretrainMix: 'aligned:1', pretrainSeed: -2 }), /pretrainSeed takes an integer ≥ 0, or −1 for the run's own seed; got -2/);
  });
});
