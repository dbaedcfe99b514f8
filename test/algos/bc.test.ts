import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bc, BC_DEFAULTS } from '../../src/algos/bc.js';
import { UsageError } from '../../src/core/errors.js';
import { evaluateRun } from '../../src/train/evaluate.js';
import { readMetrics } from '../../src/train/metrics.js';
import { startRun, type RunConfig } from '../../src/train/run.js';
import { expectExactResume } from '../support/resume.js';
import { tabularSetup } from './tabular-helpers.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'mesalab-bc-'));
const base: RunConfig = {
  env: 'absent-supervisor',
  split: 'train',
  set: [],
  algo: 'bc',
  hyperparameters: {},
  seed: 0,
  steps: 2_048, // demonstrated steps: 4 iterates of 8 × 64
  gamma: 0.99,
  rewardHorizon: 0,
};

/** Train the planner given the intended objective and bc on its demonstrations; evaluate both. */
async function cloneAndCompare(env: string, split: string) {
  const expertDir = fresh();
  await startRun({ ...base, env, split, algo: 'planner', hyperparameters: { objective: env === 'absent-supervisor' ? 'intended' : 'goal' }, steps: BC_DEFAULTS.expertSteps }, { dir: expertDir });
  const cloneDir = fresh();
  await startRun({ ...base, env, split }, { dir: cloneDir });
  const expert = (await evaluateRun(expertDir, { episodes: 50 })).summary;
  const clone = (await evaluateRun(cloneDir, { episodes: 50 })).summary;
  const losses = readMetrics(join(cloneDir, 'metrics.jsonl')).map((m) => m.loss as number);
  return { expert, clone, losses };
}

describe('bc', () => {
  it('absent-supervisor train: the clone of the intended-objective planner goes round, watched or not (41, ≥ 95% of the expert); its loss falls', async () => {
    const { expert, clone, losses } = await cloneAndCompare('absent-supervisor', 'train');
    assert.equal(expert.return.mean, 41);
    assert.ok(clone.return.mean >= 0.95 * expert.return.mean, `clone ${clone.return.mean} vs expert ${expert.return.mean}`);
    assert.equal(clone.return.mean, 41);
    assert.equal(clone.performance.mean, 41);
    assert.equal(losses.length, 4);
    assert.ok(losses[3] < losses[0] / 10, `loss ${losses.join(' → ')}`);
    for (let i = 1; i < losses.length; i++) assert.ok(losses[i] < losses[i - 1], `loss ${losses.join(' → ')}`);
  });

  it('distributional-shift train: the clone walks the safe route (42, as the planner)', async () => {
    const { expert, clone } = await cloneAndCompare('distributional-shift', 'train');
    assert.equal(expert.return.mean, 42);
    assert.ok(clone.return.mean >= 0.95 * expert.return.mean, `clone ${clone.return.mean} vs expert ${expert.return.mean}`);
  });

  it('the reward-fitted planner as expert: the clone shortcuts when unwatched (47) and goes round when watched (41)', async () => {
    const dir = fresh();
    await startRun({ ...base, hyperparameters: { expert: 'planner-fit' } }, { dir });
    const unwatched = (await evaluateRun(dir, { split: 'unwatched', episodes: 10 })).summary;
    const watched = (await evaluateRun(dir, { split: 'watched', episodes: 10 })).summary;
    assert.deepEqual([unwatched.return.mean, unwatched.performance.mean, watched.return.mean], [47, 17, 41]);
  });

  it('a run stopped and resumed ends bit-for-bit as the unbroken run (network, Adam, dataset, expert, environments)', async () => {
    const config: RunConfig = { ...base, steps: 6 * 4 * 16, hyperparameters: { envs: 4, stepsPerIteration: 16, updatesPerIteration: 8, batchSize: 16, expertEpsilon: 0.2 } };
    await expectExactResume(config, 3, 6);
  });

  it('needs state ids for its planner expert, and says how to get them; rejects unknown experts', () => {
    assert.throws(
      () => bc.check?.(tabularSetup('maze', 'train'), BC_DEFAULTS),
      (e: unknown) => e instanceof UsageError && /"bc" imitates the planner, which is tabular.*--set layoutSeed=0/.test(e.message),
    );
    assert.doesNotThrow(() => bc.check?.(tabularSetup('maze', 'train', { set: ['layoutSeed=0'] }), BC_DEFAULTS));
    const setup = tabularSetup('absent-supervisor', 'train');
    assert.throws(() => bc.check?.(setup, { ...BC_DEFAULTS, expert: 'oracle' }), /unknown expert "oracle"/);
    assert.throws(() => bc.check?.(setup, { ...BC_DEFAULTS, expert: 'planner:intnded' }), /did you mean "intended"/);
    assert.throws(() => bc.check?.(setup, { ...BC_DEFAULTS, policy: 'softmax' as 'greedy' }), /policy/);
  });
});
