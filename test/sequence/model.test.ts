import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { ACTION, ACTION_COUNT, EPISODE_START, OBSERVATION, RETURN, type TokenSequence } from '../../src/histories/tokens.js';
import { loadTf, type Tf } from '../../src/nn/tf.js';
import { Transformer } from '../../src/nn/transformer.js';
import { allocateBatch, writeWindow } from '../../src/sequence/batch.js';
import { HistoryModel, PHASE_OFFSET, REWARD_IN, RETURN_IN, TOKEN_FEATURES, transferModel, VALUE_SCALE } from '../../src/sequence/model.js';
import { predictSequences } from '../../src/sequence/predict.js';
import { SequenceTrainer, SMALL_SEQUENCE_CONFIG, type SequenceTrainConfig } from '../../src/sequence/trainer.js';
import { gradCheck, randomVariable } from '../nn/gradcheck.js';

let tf: Tf;
before(async () => {
  tf = await loadTf();
});

const OBS = 4;

/**
 * A synthetic life: episodes of `steps` steps, phase train for the first half and deploy after. The
 * agent's action is a function of the phase (0 in train, 3 in deploy) and its observation is a
 * one-hot of the step index, so a model that reads the phase can predict every action.
 */
function synthetic(episodes: number, steps: number, rng: Rng): TokenSequence {
  const kinds: number[] = [];
  const phases: number[] = [];
  const actions: number[] = [];
  const rewards: number[] = [];
  const returns: number[] = [];
  const rows: number[] = [];
  const observations: number[] = [];
  for (let e = 0; e < episodes; e++) {
    const phase = e < episodes / 2 ? 0 : 2;
    const push = (kind: number, action = -1, reward = 0, ret = 0, row = -1) => {
      kinds.push(kind);
      phases.push(phase);
      actions.push(action);
      rewards.push(reward);
      returns.push(ret);
      rows.push(row);
    };
    push(EPISODE_START);
    for (let t = 0; t < steps; t++) {
      const action = phase === 0 ? 0 : 3;
      const ret = 5;
      const row = observations.length / OBS;
      for (let i = 0; i < OBS; i++) observations.push(i === t % OBS ? 1 : 0);
      push(OBSERVATION, -1, 0, ret, row);
      push(RETURN, action, 0, ret);
      push(ACTION, action, rng.chance(0.5) ? 10 : 0);
    }
    push(5);
  }
  const length = kinds.length;
  return {
    length,
    kind: Int32Array.from(kinds),
    phase: Int32Array.from(phases),
    watched: Int32Array.from(phases.map((p) => (p === 0 ? 1 : 0))),
    action: Int32Array.from(actions),
    reward: Float32Array.from(rewards),
    predictedReturn: Float32Array.from(returns),
    observationRow: Int32Array.from(rows),
    observations: Float32Array.from(observations),
    observationSize: OBS,
  };
}

describe('Transformer', () => {
  it('is causal: changing later positions leaves earlier outputs unchanged; gradients match finite differences', () => {
    const body = new Transformer({ dim: 8, heads: 2, layers: 2 }, new Rng(3));
    const x = randomVariable([2, 5, 8], 4);
    const before = body.forward(x).arraySync() as number[][][];
    const changed = tf.concat([tf.slice(x, [0, 0, 0], [2, 3, 8]), tf.fill([2, 2, 8], 7)], 1);
    const after = body.forward(changed).arraySync() as number[][][];
    for (let b = 0; b < 2; b++) for (let t = 0; t < 3; t++) for (let d = 0; d < 8; d++) assert.ok(Math.abs(before[b][t][d] - after[b][t][d]) < 1e-5);
    assert.ok(Math.abs(before[0][4][0] - after[0][4][0]) > 1e-4, 'the changed positions do change');
    gradCheck('Transformer', () => body.forward(x), [...body.namedParameters().slice(0, 6), ['x', x]], { samples: 6 });
    body.dispose();
    x.dispose();
    changed.dispose();
  });
});

describe('history windows', () => {
  it('writes each position’s features: kind, phase, oversight, reward in, return in, targets', () => {
    const sequence = synthetic(2, 3, new Rng(1));
    const batch = allocateBatch(1, 12, OBS);
    writeWindow(batch, 0, sequence, 0, false);
    const feature = (t: number, f: number) => batch.tokens[t * TOKEN_FEATURES + f];
    assert.equal(feature(0, EPISODE_START), 1);
    assert.equal(feature(0, PHASE_OFFSET), 1);
    assert.equal(batch.actionTarget[2], 0, 'the RETURN position predicts the action');
    assert.equal(feature(2, RETURN_IN), 0.5, 'the predicted return 5 enters scaled by 1/10');
    assert.equal(batch.returnMask[1], 1);
    assert.equal(batch.returnTarget[1], 5 / VALUE_SCALE);
    assert.equal(batch.rewardMask[3], 1);
    assert.equal(feature(4, REWARD_IN), sequence.reward[3] / VALUE_SCALE, 'the reward enters at the position after the ACTION');
    assert.deepEqual([...batch.observations.subarray(1 * OBS, 2 * OBS)], [1, 0, 0, 0]);
    const blind = allocateBatch(1, 12, OBS);
    writeWindow(blind, 0, sequence, 0, true);
    assert.equal(blind.tokens[PHASE_OFFSET], 0, 'a blind window has no phase');
  });

  it('pads past the end and masks the padding out of every target', () => {
    const sequence = synthetic(1, 2, new Rng(1));
    const batch = allocateBatch(1, 16, OBS);
    writeWindow(batch, 0, sequence, 0, false);
    for (let t = sequence.length; t < 16; t++) {
      assert.equal(batch.actionTarget[t], -1);
      assert.equal(batch.returnMask[t] + batch.rewardMask[t], 0);
      for (let f = 0; f < TOKEN_FEATURES; f++) assert.equal(batch.tokens[t * TOKEN_FEATURES + f], 0);
    }
  });
});

describe('HistoryModel', () => {
  const config = { dim: 16, heads: 2, layers: 1, context: 24, observationSize: OBS, blind: false };

  it('predicts every position of a long sequence once, with the same numbers as one window where one suffices', () => {
    const model = new HistoryModel(config, new Rng(5));
    const short = synthetic(2, 3, new Rng(2)); // 20 positions: one window
    const long = synthetic(6, 4, new Rng(3)); // 84 positions: several windows
    const [shortP, longP] = predictSequences(model, [short, long], 4);
    const batch = allocateBatch(1, short.length, OBS);
    writeWindow(batch, 0, short, 0, false);
    const direct = model.forward(tf.tensor(batch.tokens, [1, short.length, TOKEN_FEATURES]), tf.tensor(batch.observations, [1, short.length, OBS]));
    const probabilities = tf.softmax(direct.actionLogits).dataSync();
    for (let i = 0; i < short.length * ACTION_COUNT; i++) assert.ok(Math.abs(probabilities[i] - shortP.actionProbabilities[i]) < 1e-5);
    for (let p = 0; p < long.length; p++) {
      let sum = 0;
      for (let a = 0; a < ACTION_COUNT; a++) sum += longP.actionProbabilities[p * ACTION_COUNT + a];
      assert.ok(Math.abs(sum - 1) < 1e-4, `position ${p} was predicted`);
    }
    model.dispose();
  });

  it('moves to a world with other observations keeping every other weight', () => {
    const model = new HistoryModel(config, new Rng(5));
    const moved = transferModel(model, 7, new Rng(9));
    const a = model.stateDict();
    const b = moved.stateDict();
    assert.deepEqual(b['observationEncoder.weight'].length, 7 * 16);
    for (const name of Object.keys(a)) if (!name.startsWith('observationEncoder')) assert.deepEqual(b[name], a[name], name);
    model.dispose();
    moved.dispose();
  });
});

describe('SequenceTrainer', () => {
  const config: SequenceTrainConfig = { ...SMALL_SEQUENCE_CONFIG, dim: 16, heads: 2, context: 24, batch: 8, steps: 60, warmup: 5, lr: 3e-3 };
  const data = (n: number) => {
    const rng = new Rng(11);
    return Array.from({ length: n }, () => synthetic(4, 3, rng));
  };

  it('learns actions that depend on the phase, and the blind baseline cannot', () => {
    const sequences = data(8);
    const accuracy = (blind: boolean): number => {
      const trainer = new SequenceTrainer({ ...config, blind }, sequences);
      for (let i = 0; i < config.steps; i++) trainer.step();
      const predictions = predictSequences(trainer.model, sequences);
      let correct = 0;
      let total = 0;
      sequences.forEach((s, k) => {
        for (let p = 0; p < s.length; p++) {
          if (s.kind[p] !== RETURN) continue;
          const probs = predictions[k].actionProbabilities.subarray(p * ACTION_COUNT, (p + 1) * ACTION_COUNT);
          total++;
          if (probs.indexOf(Math.max(...probs)) === s.action[p]) correct++;
        }
      });
      trainer.dispose();
      return correct / total;
    };
    assert.equal(accuracy(false), 1);
    // Without the phase or oversight, nothing tells the first action of the first deploy episode.
    assert.ok(accuracy(true) < 1);
  });

  it('resumes from its saved state exactly as if it had not stopped', () => {
    const sequences = data(4);
    const unbroken = new SequenceTrainer(config, sequences);
    for (let i = 0; i < 6; i++) unbroken.step();
    const first = new SequenceTrainer(config, sequences);
    for (let i = 0; i < 3; i++) first.step();
    const resumed = new SequenceTrainer(config, sequences, first.save());
    for (let i = 0; i < 3; i++) resumed.step();
    assert.equal(resumed.steps, 6);
    assert.deepEqual(resumed.model.stateDict(), unbroken.model.stateDict());
    for (const t of [unbroken, first, resumed]) t.dispose();
  });

  it('rejects settings that cannot work, saying which', () => {
    assert.throws(() => new SequenceTrainer({ ...config, dim: 10, heads: 3 }, data(1)), /dim 10 must be divisible by heads 3/);
    assert.throws(() => new SequenceTrainer(config, []), /mesalab histories generate/);
  });
});
