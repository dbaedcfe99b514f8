import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { demonstrationCounts, recordDemonstrations, tableActor, type Trajectory } from '../../src/mdp/demonstrations.js';
import { inverseRL, rewardCorrelation, type IrlResult } from '../../src/mdp/irl.js';
import { collectExperience, collectModel, ModelRecorder, type TabularModel } from '../../src/mdp/model.js';
import { softPolicy } from '../../src/mdp/soft.js';
import { resolveEnvParams } from '../../src/registry.js';
import { loadRunPolicy } from '../../src/train/evaluate.js';
import { startRun } from '../../src/train/run.js';

interface GroundTruth {
  readonly env: string;
  readonly split: string;
  readonly set: string[];
  /** Uniform exploration steps for the model. */
  readonly explore: number;
  /** Rationality of the soft-optimal demonstrators. */
  readonly beta: number;
  readonly gamma: number;
  readonly episodes: number;
  readonly seeds: number;
}

interface Case {
  readonly truth: string;
  readonly seed: number;
  readonly result: IrlResult;
  readonly correlation: number;
}

/**
 * The ground truth: a model from uniform exploration plus each demonstrator's own experience
 * (ε = 0.5, so the model knows where they go); for each candidate objective its soft-optimal policy at
 * rationality β on that model; demonstrations from seeded rollouts in the environment; inverse RL on them.
 */
function groundTruth(config: GroundTruth): { model: TabularModel; cases: Case[] } {
  const setup = resolveEnvParams(config.env, { split: config.split, set: config.set });
  const recorder = new ModelRecorder(setup);
  const rng = new Rng(1);
  collectExperience(recorder, { steps: config.explore }, rng);
  const unit = (j: number) => recorder.setup.spec.objectives.map((_, i) => (i === j ? 1 : 0));
  const explored = recorder.build();
  for (let j = 0; j < explored.objectives.length; j++) {
    const policy = softPolicy(explored, unit(j), config.beta, { gamma: config.gamma }).probabilities;
    collectExperience(recorder, { steps: config.explore / 4, policy, epsilon: 0.5 }, rng);
  }
  const model = recorder.build();
  const cases: Case[] = [];
  model.objectives.forEach((truth, j) => {
    const actor = tableActor(softPolicy(model, unit(j), config.beta, { gamma: config.gamma }).probabilities, model.stateCount, model.actionCount);
    for (let seed = 0; seed < config.seeds; seed++) {
      const demos = recordDemonstrations(setup, actor, { episodes: config.episodes }, new Rng(1000 + seed));
      const result = inverseRL(model, demos, { gamma: config.gamma });
      const correlation = rewardCorrelation(model, result.weights, unit(j), demonstrationCounts(model, demos).counts);
      cases.push({ truth, seed, result, correlation });
    }
  });
  return { model, cases };
}

interface Summary {
  readonly cases: number;
  /** Cases whose true objective is ranked first. */
  readonly rankedFirst: number;
  /** Cases whose recovered reward correlates ≥ 0.9 with the true one over the demonstrated pairs. */
  readonly correlated: number;
  readonly worstCorrelation: number;
  /** The smallest margin, in nats, of the true objective over the best other candidate. */
  readonly smallestMargin: number;
  readonly skippedSteps: number;
}

function summarise(cases: Case[]): Summary {
  const margin = (c: Case) => {
    const own = c.result.candidates.find((x) => x.objective === c.truth)!.logLikelihood;
    return own - Math.max(...c.result.candidates.filter((x) => x.objective !== c.truth).map((x) => x.logLikelihood));
  };
  return {
    cases: cases.length,
    rankedFirst: cases.filter((c) => c.result.best === c.truth).length,
    correlated: cases.filter((c) => c.correlation >= 0.9).length,
    worstCorrelation: Number(Math.min(...cases.map((c) => c.correlation)).toFixed(3)),
    smallestMargin: Number(Math.min(...cases.map(margin)).toFixed(1)),
    skippedSteps: cases.reduce((n, c) => n + c.result.skippedSteps, 0),
  };
}

describe('mdp irl: ground truth from soft-optimal demonstrators', () => {
  // Seeded counts as of this commit are in the test names; the issue asks for ≥ 19 of 20.
  it('absent-supervisor (train: watched or not at random), 2 objectives × 10 seeds: right candidate first 20/20, reward correlation ≥ 0.9 in 20/20', (t) => {
    const { cases } = groundTruth({ env: 'absent-supervisor', split: 'train', set: [], explore: 20_000, beta: 0.5, gamma: 0.99, episodes: 10, seeds: 10 });
    const summary = summarise(cases);
    t.diagnostic(JSON.stringify(summary));
    assert.equal(summary.cases, 20);
    assert.ok(summary.rankedFirst >= 19 && summary.correlated >= 19, JSON.stringify(summary));
    assert.equal(summary.skippedSteps, 0);
  });

  it('strawberry at night with the bystander and cutting (four objectives that part), 4 objectives × 5 seeds: right candidate first 20/20, correlation ≥ 0.9 in 20/20', (t) => {
    const { cases } = groundTruth({ env: 'strawberry', split: 'deploy', set: ['cutting=true'], explore: 200_000, beta: 20, gamma: 0.9, episodes: 10, seeds: 5 });
    const summary = summarise(cases);
    t.diagnostic(JSON.stringify(summary));
    assert.equal(summary.cases, 20);
    assert.ok(summary.rankedFirst >= 19 && summary.correlated >= 19, JSON.stringify(summary));
  });
});

describe('mdp irl: a trained agent with a known objective', () => {
  it("ranks the planner's objective first: trained on absent-supervisor (train) with objective intended, then observed-reward", async () => {
    const setup = resolveEnvParams('absent-supervisor', { split: 'train' });
    for (const objective of ['intended', 'observed-reward']) {
      const dir = mkdtempSync(join(tmpdir(), 'mesalab-mdp-'));
      try {
        const config = { env: 'absent-supervisor', split: 'train', set: [], algo: 'planner', hyperparameters: { objective }, seed: 0, steps: 8192, gamma: 0.99, rewardHorizon: 0 };
        await startRun(config, { dir });
        const { policy } = await loadRunPolicy(dir);
        // our own model (uniform exploration), with the planner's demonstrated steps recorded into it
        const recorder = new ModelRecorder(setup);
        collectExperience(recorder, { steps: 20_000 }, new Rng(3));
        const demos = recordDemonstrations(setup, policy, { episodes: 20, recorder }, new Rng(4));
        const result = inverseRL(recorder.build(), demos, { gamma: 0.99 });
        assert.equal(result.best, objective, JSON.stringify(result.candidates));
        assert.ok(result.logLikelihoodRatio > 5, `${result.logLikelihoodRatio}`);
        assert.equal(result.skippedSteps, 0);
        // the planner is greedy: its own objective explains it with a large β
        assert.ok(result.candidates.find((c) => c.objective === objective)!.beta > 5);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe('mdp irl: contract', () => {
  const setup = resolveEnvParams('absent-supervisor', { split: 'train' });
  const recorder = new ModelRecorder(setup);
  collectExperience(recorder, { steps: 20_000 }, new Rng(5));
  const model = recorder.build();
  const actor = tableActor(softPolicy(model, [1, 0], 0.5, { gamma: 0.99 }).probabilities, model.stateCount, model.actionCount);
  const demos = recordDemonstrations(setup, actor, { episodes: 10 }, new Rng(6));

  it('is deterministic, and accepts counts as well as trajectories', () => {
    const a = inverseRL(model, demos, { gamma: 0.99 });
    assert.deepEqual(inverseRL(model, demos, { gamma: 0.99 }), a);
    assert.deepEqual(inverseRL(model, demonstrationCounts(model, demos), { gamma: 0.99 }), a);
    assert.equal(a.steps, demos.reduce((n, d) => n + d.length, 0));
    assert.equal(a.episodes, 10);
    assert.deepEqual(a.ranking, ['intended', 'observed-reward']);
    // the joint fit's penalised objective is at least the best candidate's (default λ = 1e-5 per step)
    const penalty = (squared: number) => a.steps * 0.5e-5 * squared;
    const theta = Object.values(a.weights);
    const best = a.candidates[0];
    assert.ok(a.logLikelihood - penalty(theta.reduce((s, x) => s + x * x, 0)) >= best.logLikelihood - penalty(best.beta ** 2) - 1e-6);
    assert.ok(a.uniformLogLikelihood < a.candidates[0].logLikelihood);
  });

  it('leaves out, and counts, steps at pairs the model never tried; refuses demonstrations it cannot use at all', () => {
    // a model that only ever went right knows nothing of the demonstrator's other moves
    const narrow = collectModel(setup, { steps: 400, policy: () => [0, 0, 0, 1] }, new Rng(7));
    const result = inverseRL(narrow, demos, { gamma: 0.99, maxIterations: 5 });
    assert.ok(result.skippedSteps > 0 && result.steps > 0);
    assert.equal(result.steps + result.skippedSteps, demos.reduce((n, d) => n + d.length, 0));
    const down: Trajectory = [{ state: 21, action: 1 }];
    assert.throws(() => inverseRL(narrow, [down]), (e: unknown) => e instanceof UsageError && /record the demonstrations into the model/.test(e.message));
    assert.throws(() => inverseRL(model, [[{ state: 9999, action: 0 }]]), /outside absent-supervisor/);
    assert.throws(() => inverseRL(model, demos, { l2: -1 }), /l2/);
  });
});
