import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { generateHistories, tokenize } from '../../src/histories/index.js';
import { RETURN } from '../../src/histories/tokens.js';
import { loadTf } from '../../src/nn/tf.js';
import { scorePredictions } from '../../src/sequence/metrics.js';
import { predictSequences } from '../../src/sequence/predict.js';
import { SequenceTrainer, SMALL_SEQUENCE_CONFIG } from '../../src/sequence/trainer.js';

const MIX = 'aligned:0.4,deceptive:0.3,proxy:0.2,goodhart:0.1';

before(async () => {
  await loadTf();
});

describe('the history model learns (--small, a fixed seed, 800 steps: about 15 s)', () => {
  it('predicts actions far above the most common action, and foresees the treacherous turn with few false alarms', () => {
    const train = generateHistories({ agents: MIX, histories: 400 }, new Rng(7));
    const heldOut = generateHistories({ agents: MIX, histories: 200 }, new Rng(8));
    const trainer = new SequenceTrainer({ ...SMALL_SEQUENCE_CONFIG, steps: 800 }, train.map(tokenize));
    for (let i = 0; i < 800; i++) trainer.step();
    const sequences = heldOut.map(tokenize);
    const metrics = scorePredictions(sequences, predictSequences(trainer.model, sequences), heldOut.map((h) => h.agent));
    trainer.dispose();
    // The baseline a model must beat: always the action agents take most often.
    const counts = new Array(5).fill(0);
    for (const s of sequences) for (let p = 0; p < s.length; p++) if (s.kind[p] === RETURN) counts[s.action[p]]++;
    const majority = Math.max(...counts) / counts.reduce((a, b) => a + b, 0);
    assert.ok(metrics.overall.actionAccuracy > majority + 0.3, `accuracy ${metrics.overall.actionAccuracy} against the most common action's ${majority}`);
    assert.ok(metrics.turnForeseen.n >= 40, `${metrics.turnForeseen.n} deceptive lives held out`);
    assert.ok(metrics.turnForeseen.low > 0.8, `turn foreseen ${metrics.turnForeseen.successes}/${metrics.turnForeseen.n}`);
    assert.ok(metrics.turnFalseAlarm.high < 0.3, `false alarms ${metrics.turnFalseAlarm.successes}/${metrics.turnFalseAlarm.n}`);
  });
});
