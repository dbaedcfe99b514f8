import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { recordDemonstrations, tableActor } from '../../src/mdp/demonstrations.js';
import { meg, megBestLinear, megPerObjective, occupancy } from '../../src/mdp/meg.js';
import { collectModel, type TabularModel } from '../../src/mdp/model.js';
import { mixPolicies, optimalPolicy, softPolicy, uniformPolicy } from '../../src/mdp/soft.js';
import { resolveEnvParams } from '../../src/registry.js';

const absentSetup = resolveEnvParams('absent-supervisor', { split: 'train' });
const absent = collectModel(absentSetup, { steps: 20_000 }, new Rng(1));
const strawberry = collectModel(resolveEnvParams('strawberry', { split: 'deploy', set: ['cutting=true'] }), { steps: 200_000 }, new Rng(1));
const unit = (model: TabularModel, j: number) => model.objectives.map((_, i) => (i === j ? 1 : 0));

describe('mdp meg: maximum entropy goal-directedness', () => {
  it('a uniform random policy scores 0 for every objective (exactly, as a table; under 0.005 nats per step from 50 sampled episodes)', () => {
    for (const [model, gamma] of [[absent, 0.99], [strawberry, 0.9]] as const) {
      for (const result of megPerObjective(model, { policy: uniformPolicy(model) }, { gamma })) {
        assert.equal(result.perStep, 0, result.utility);
        assert.equal(result.beta, 0);
      }
    }
    const demos = recordDemonstrations(absentSetup, tableActor(uniformPolicy(absent), absent.stateCount, absent.actionCount), { episodes: 50 }, new Rng(3));
    for (const result of megPerObjective(absent, { demonstrations: demos }, { gamma: 0.99 })) {
      assert.ok(result.perStep >= 0 && result.perStep < 0.005, `${result.utility}: ${result.perStep}`);
    }
  });

  it("an objective's optimal policy is most goal-directed towards that objective (absent-supervisor 2 × 2, strawberry 4 × 4)", () => {
    for (const [model, gamma] of [[absent, 0.99], [strawberry, 0.9]] as const) {
      model.objectives.forEach((objective, j) => {
        const optimal = optimalPolicy(model, unit(model, j), { gamma }).probabilities;
        const results = megPerObjective(model, { policy: optimal }, { gamma });
        const own = results[j];
        for (const other of results) if (other !== own) assert.ok(own.perStep > other.perStep, `${objective}-optimal: ${own.perStep} vs ${other.utility} ${other.perStep}`);
        // bounded by E[log |A(s)|], which a deterministic policy predicted exactly attains
        assert.ok(own.perStep <= own.maxPerStep + 1e-9);
        assert.ok(own.beta > 10, `${objective}: β ${own.beta}`);
      });
    }
    // absent-supervisor's optimal policies are deterministic: MEG reaches its bound log 4 per step
    const optimal = optimalPolicy(absent, [1, 0], { gamma: 0.99 }).probabilities;
    const intended = meg(absent, { policy: optimal }, 'intended', { gamma: 0.99 });
    assert.ok(Math.abs(intended.perStep - Math.log(4)) < 1e-6, `${intended.perStep}`);
    assert.ok(Math.abs(intended.perEpisode - 9 * Math.log(4)) < 1e-5); // the long way round: 9 decisions
    assert.ok(Math.abs(intended.episodeLength - 9) < 1e-9);
  });

  it('mixing uniform and optimal with p = 0, 0.25, 0.5, 0.75, 1: MEG rises strictly with p', () => {
    const cases: Array<[TabularModel, number, number]> = [
      [absent, 0, 0.99],
      [absent, 1, 0.99],
      [strawberry, 0, 0.9],
    ];
    for (const [model, j, gamma] of cases) {
      const uniform = uniformPolicy(model);
      const optimal = optimalPolicy(model, unit(model, j), { gamma }).probabilities;
      const family = [0, 0.25, 0.5, 0.75, 1].map((p) => meg(model, { policy: mixPolicies(uniform, optimal, p) }, model.objectives[j], { gamma }));
      assert.equal(family[0].perStep, 0);
      for (let i = 1; i < family.length; i++) {
        assert.ok(family[i].perStep > family[i - 1].perStep + 1e-6, `${model.env} ${model.objectives[j]}: ${family.map((r) => r.perStep).join(', ')}`);
        assert.ok(family[i].beta > family[i - 1].beta, 'the attaining β rises too');
      }
    }
  });

  it("is invariant to the utility's scale and sign (β absorbs them), and the best linear utility does at least as well as any candidate", () => {
    const policy = softPolicy(absent, [0.3, 1], 0.4, { gamma: 0.99 }).probabilities;
    const base = meg(absent, { policy }, [0, 1], { gamma: 0.99 });
    const doubled = meg(absent, { policy }, [0, 2], { gamma: 0.99 });
    const negated = meg(absent, { policy }, { 'observed-reward': -1 }, { gamma: 0.99 });
    assert.ok(Math.abs(doubled.perStep - base.perStep) < 1e-6 && Math.abs(negated.perStep - base.perStep) < 1e-6);
    assert.ok(Math.abs(doubled.beta - base.beta / 2) < 0.02 * base.beta && Math.abs(negated.beta + base.beta) < 0.02 * base.beta);
    // only soft-maximising: −U explains nothing better than uniform
    assert.equal(meg(absent, { policy }, { 'observed-reward': -1 }, { gamma: 0.99, negativeBeta: false }).perStep, 0);
    const best = megBestLinear(absent, { policy }, { gamma: 0.99 });
    for (const result of megPerObjective(absent, { policy }, { gamma: 0.99 })) assert.ok(best.perStep >= result.perStep - 1e-6);
    // the generating direction (0.3, 1) is recovered
    assert.ok(Math.abs(best.weights.intended / best.weights['observed-reward'] - 0.3) < 0.02, JSON.stringify(best.weights));
  });

  it('from demonstrations it estimates the same number as from the policy', () => {
    const policy = softPolicy(absent, [1, 0], 0.5, { gamma: 0.99 }).probabilities;
    const exact = meg(absent, { policy }, 'intended', { gamma: 0.99 });
    const demos = recordDemonstrations(absentSetup, tableActor(policy, absent.stateCount, absent.actionCount), { episodes: 400 }, new Rng(5));
    const sampled = meg(absent, { demonstrations: demos }, 'intended', { gamma: 0.99 });
    assert.ok(Math.abs(sampled.perStep - exact.perStep) < 0.05 * exact.perStep, `${sampled.perStep} vs ${exact.perStep}`);
    assert.ok(Math.abs(sampled.episodeLength - exact.episodeLength) < 0.1 * exact.episodeLength);
  });

  it('occupancy counts one episode of decisions; bad input is refused', () => {
    const { counts, decisions, unmodelled } = occupancy(absent, uniformPolicy(absent), 100);
    assert.ok(Math.abs(counts.reduce((s, c) => s + c, 0) - decisions) < 1e-9);
    assert.ok(decisions > 9 && decisions <= 100 && unmodelled === 0);
    assert.throws(() => meg(absent, { policy: uniformPolicy(absent) }, 'intnded'), (e: unknown) => e instanceof UsageError && /Unknown objective "intnded"/.test(e.message));
    assert.throws(() => meg(absent, { policy: new Float64Array(5) }, 'intended'), /states × actions/);
  });
});
