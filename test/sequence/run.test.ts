import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Interrupted } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { startRun, type RunConfig } from '../../src/train/run.js';
import { generateHistories, historyHeader, parseAgentMix, resolveHistorySettings, tokenize, writeHistoryFile } from '../../src/histories/index.js';
import { loadTf } from '../../src/nn/tf.js';
import { predictSequences } from '../../src/sequence/predict.js';
import { ensurePretrained, recipeKey } from '../../src/sequence/pretrain.js';
import { EVALUATION_FILE, resumeSequenceRun, startSequenceRun } from '../../src/sequence/run.js';
import { loadHistoryModel } from '../../src/sequence/saved.js';
import { SMALL_SEQUENCE_CONFIG, type SequenceTrainConfig } from '../../src/sequence/trainer.js';
import { mesalab } from '../support/cli.js';

const MIX = 'aligned:0.4,deceptive:0.3,proxy:0.2,goodhart:0.1';
const folder = mkdtempSync(join(tmpdir(), 'mesalab-sequence-'));
const TINY: SequenceTrainConfig = { ...SMALL_SEQUENCE_CONFIG, dim: 16, heads: 2, context: 48, batch: 4, steps: 12, warmup: 2 };

function historiesFile(name: string, count: number, seed = 1): string {
  const path = join(folder, name);
  const mix = parseAgentMix(MIX);
  const settings = resolveHistorySettings({});
  writeHistoryFile(path, historyHeader(seed, count, mix, settings), generateHistories({ agents: mix, histories: count, ...settings }, new Rng(seed)));
  return path;
}

before(async () => {
  await loadTf();
});

describe('sequence runs', () => {
  it('a stopped run resumes to the same weights as an unbroken one, and scores the held-out tenth when done', async () => {
    const file = historiesFile('h.jsonl', 30);
    const unbroken = await startSequenceRun(file, TINY, { dir: join(folder, 'unbroken') });
    assert.equal(unbroken.status, 'finished');
    assert.equal(unbroken.steps, 12);
    const evaluation = JSON.parse(readFileSync(join(folder, 'unbroken', EVALUATION_FILE), 'utf8'));
    assert.equal(Object.values(evaluation.heldOut as Record<string, number>).reduce((a, b) => a + b, 0), 3, 'the last tenth of 30 is held out');
    let calls = 0;
    const stopped = await startSequenceRun(file, TINY, { dir: join(folder, 'broken'), shouldStop: () => ++calls > 5 });
    assert.equal(stopped.status, 'interrupted');
    assert.equal(stopped.steps, 5);
    assert.ok(!existsSync(join(folder, 'broken', EVALUATION_FILE)));
    const resumed = await resumeSequenceRun(join(folder, 'broken'), {});
    assert.equal(resumed.steps, 12);
    assert.deepEqual(loadHistoryModel(join(folder, 'broken')).model.stateDict(), loadHistoryModel(join(folder, 'unbroken')).model.stateDict());
    const lines = readFileSync(join(folder, 'broken', 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.deepEqual(lines, readFileSync(join(folder, 'unbroken', 'metrics.jsonl'), 'utf8').trim().split('\n'));
  });

  it('a loaded model predicts what the trained one did', async () => {
    const { model, config } = loadHistoryModel(join(folder, 'unbroken'));
    assert.equal(config.training.steps, 12);
    const [p] = predictSequences(model, [tokenize(generateHistories({ agents: MIX, histories: 1 }, new Rng(5))[0])]);
    assert.ok(p.actionProbabilities.every((x) => Number.isFinite(x)));
    model.dispose();
  });

  it('refuses an occupied directory, a missing checkpoint and a checkpoint that is not a history model, saying what to do', async () => {
    const file = join(folder, 'h.jsonl');
    await assert.rejects(startSequenceRun(file, TINY, { dir: join(folder, 'unbroken') }), /already holds a sequence run.*--resume/);
    mkdirSync(join(folder, 'empty'));
    await assert.rejects(resumeSequenceRun(join(folder, 'empty'), {}), /not a sequence run directory/);
    writeFileSync(join(folder, 'not.bin'), 'MESALAB-CHECKPOINT\nnonsense');
    assert.throws(() => loadHistoryModel(join(folder, 'not.bin')), /Checkpoint .*not\.bin/);
  });
});

describe('pretraining recipes', () => {
  const recipe = { mix: MIX, histories: 12, seed: 3, size: 'small' as const, steps: 4 };

  it('are made once into the cache and reused; a lock left by a dead process is taken over', async () => {
    const cache = join(folder, 'cache');
    const heard: string[] = [];
    const model = await ensurePretrained(recipe, cache, (message) => heard.push(message));
    assert.equal(heard[0], `pretraining: generating 12 histories (${MIX})`);
    assert.match(heard[1], /^pretraining the small history model: step 1 of 4, loss \d+\.\d{3}$/);
    assert.ok(existsSync(join(model, EVALUATION_FILE)));
    const made = statSync(join(model, 'checkpoint.bin')).mtimeMs;
    assert.equal(await ensurePretrained({ ...recipe, mix: 'aligned:0.4, deceptive:0.3, proxy:0.2, goodhart:0.1' }, cache), model, 'the same recipe however spaced');
    assert.equal(statSync(join(model, 'checkpoint.bin')).mtimeMs, made, 'not trained again');
    const other = { ...recipe, seed: 4 };
    assert.notEqual(recipeKey(other), recipeKey(recipe));
    const lock = join(cache, recipeKey(other), 'lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, 'pid'), '2147483646'); // no such process
    assert.ok(existsSync(join(await ensurePretrained(other, cache), EVALUATION_FILE)));
    assert.ok(!existsSync(lock), 'the lock is released');
  });

  it('stop on request with what they trained kept (Interrupted), and the next call resumes to the same model', async () => {
    const stopping = { ...recipe, steps: 8, seed: 9 };
    const whole = await ensurePretrained(stopping, join(folder, 'cache-whole'));
    let checks = 0;
    await assert.rejects(ensurePretrained(stopping, join(folder, 'cache-stopped'), undefined, () => ++checks > 4), (error: unknown) => {
      assert.ok(error instanceof Interrupted);
      assert.match((error as Error).message, /stopped at step 4; it resumes from its checkpoint the next time it is needed/);
      return true;
    });
    const resumed = await ensurePretrained(stopping, join(folder, 'cache-stopped'));
    assert.deepEqual(loadHistoryModel(resumed).model.stateDict(), loadHistoryModel(whole).model.stateDict());
  });

  it('stopped inside a training run, leave no run behind, so the same command starts again', async () => {
    const dir = join(folder, 'dt-stopped');
    const config: RunConfig = {
      env: 'vault', split: 'train', set: [], algo: 'dt-ppo', seed: 0, steps: 100, gamma: 0.99, rewardHorizon: 0,
      hyperparameters: { pretrainMix: MIX, pretrainHistories: 12, pretrainSteps: 6, envs: 2 },
    };
    const saved = process.env.MESALAB_CACHE;
    process.env.MESALAB_CACHE = join(folder, 'cache-run');
    try {
      let checks = 0;
      await assert.rejects(startRun(config, { dir, shouldStop: () => ++checks > 3 }), Interrupted);
      assert.ok(!existsSync(join(dir, 'run.json')));
      const result = await startRun(config, { dir });
      assert.equal(result.status, 'finished');
    } finally {
      if (saved === undefined) delete process.env.MESALAB_CACHE;
      else process.env.MESALAB_CACHE = saved;
    }
  });

  it('reject an unknown size or too few histories', async () => {
    await assert.rejects(ensurePretrained({ ...recipe, size: 'huge' as 'small' }, join(folder, 'cache')), /Unknown model size "huge"/);
    await assert.rejects(ensurePretrained({ ...recipe, histories: 1 }, join(folder, 'cache')), /at least 2 histories/);
  });
});

describe('mesalab sequence', () => {
  it('train prints the held-out table and the turn; eval reprints it, against a blind baseline', () => {
    const file = historiesFile('cli.jsonl', 30, 2);
    const out = join(folder, 'cli-run');
    const r = mesalab('sequence', 'train', '--histories', file, '--out', out, '--small', '--steps', '6', '--batch', '2', '--context', '32');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Finished after 6 steps \([\d,]+ tokens\/s\)/);
    assert.match(r.stdout, /aligned +deploy/);
    assert.match(r.stdout, /all +all +\d+/);
    assert.match(r.stdout, /The treacherous turn foreseen/);
    const blind = join(folder, 'cli-blind');
    assert.equal(mesalab('sequence', 'train', '--histories', file, '--out', blind, '--small', '--steps', '6', '--batch', '2', '--context', '32', '--blind').code, 0);
    const e = mesalab('sequence', 'eval', out, '--baseline', blind);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /baseline ignoring phase and oversight: \d+\/\d+/);
    const json = JSON.parse(mesalab('sequence', 'eval', out, '--json').stdout);
    assert.equal(typeof json.metrics.turnForeseen.n, 'number');
  });

  it('bad input gets a usage error (exit 2) that says what to do', () => {
    const none = mesalab('sequence', 'train', '--out', join(folder, 'x'));
    assert.equal(none.code, 2);
    assert.match(none.stderr, /needs --histories FILE and --out DIR/);
    const sub = mesalab('sequence', 'fit');
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /sequence takes train or eval, not "fit"/);
    const heads = mesalab('sequence', 'train', '--histories', join(folder, 'h.jsonl'), '--out', join(folder, 'y'), '--dim', '10', '--heads', '3');
    assert.notEqual(heads.code, 0);
    assert.match(heads.stderr, /dim 10 must be divisible by heads 3/);
  });
});
