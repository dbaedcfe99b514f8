import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { demonstrationCounts, recordDemonstrations, tableActor } from '../../src/mdp/demonstrations.js';
import { logLikelihood, uniformLogLikelihood } from '../../src/mdp/likelihood.js';
import { fitBeta, fitWeights } from '../../src/mdp/search.js';
import { collectExperience, ModelRecorder } from '../../src/mdp/model.js';
import { resolveSoftOptions, softPolicy } from '../../src/mdp/soft.js';
import { resolveEnvParams } from '../../src/registry.js';

const setup = resolveEnvParams('strawberry', { split: 'deploy', set: ['cutting=true'] });
const recorder = new ModelRecorder(setup);
collectExperience(recorder, { steps: 60_000 }, new Rng(4));
const model = recorder.build();
const actor = tableActor(softPolicy(model, [1, 0, 0, 0.5], 8, { gamma: 0.9 }).probabilities, model.stateCount, model.actionCount);
const demos = demonstrationCounts(model, recordDemonstrations(setup, actor, { episodes: 6, recorder }, new Rng(9)));
const withDemos = recorder.build();
const objectiveName = (j: number) => withDemos.objectives[j];

describe('mdp likelihood: the log-likelihood of decisions under soft-optimal policies', () => {
  it('its gradient is the central difference of the log-likelihood (discounted and finite-horizon)', () => {
    const theta = [0.7, -0.4, 1.3, 0.9];
    for (const options of [resolveSoftOptions({ gamma: 0.9, tolerance: 1e-13 }), resolveSoftOptions({ gamma: 0.95, horizon: 12 })]) {
      const { gradient } = logLikelihood(withDemos, demos.counts, theta, options);
      for (let j = 0; j < theta.length; j++) {
        const h = 1e-5;
        const plus = logLikelihood(withDemos, demos.counts, theta.map((t, i) => (i === j ? t + h : t)), options, null, false).value;
        const minus = logLikelihood(withDemos, demos.counts, theta.map((t, i) => (i === j ? t - h : t)), options, null, false).value;
        const numeric = (plus - minus) / (2 * h);
        assert.ok(Math.abs(gradient![j] - numeric) < 1e-4 * (1 + Math.abs(numeric)), `H ${options.horizon}, θ${j}: ${gradient![j]} vs ${numeric}`);
      }
    }
  });

  it('θ = 0 is the uniform policy: the likelihood of 1/|A(s)| per decision', () => {
    const options = resolveSoftOptions({ gamma: 0.9 });
    const atZero = logLikelihood(withDemos, demos.counts, [0, 0, 0, 0], options, null, false).value;
    assert.ok(Math.abs(atZero - uniformLogLikelihood(withDemos, demos.counts)) < 1e-9);
  });

  it('the β search finds the maximum along a direction (checked on a grid)', () => {
    const options = resolveSoftOptions({ gamma: 0.9 });
    const direction = [1, 0, 0, 0.5];
    const fit = fitBeta(withDemos, demos.counts, direction, options, { allowNegative: true });
    assert.ok(fit.beta > 2 && fit.beta < 30, `${fit.beta}`);
    for (const factor of [0.5, 0.8, 0.95, 1.05, 1.25, 2]) {
      const value = logLikelihood(withDemos, demos.counts, direction.map((w) => w * fit.beta * factor), options, null, false).value;
      assert.ok(value <= fit.value + 1e-6, `×${factor}: ${value} > ${fit.value}`);
    }
    // a direction the demonstrator goes against is fitted with β < 0, or stays at 0 when only β ≥ 0 is allowed
    const against = direction.map((w) => -w);
    assert.ok(fitBeta(withDemos, demos.counts, against, options, { allowNegative: true }).beta < 0);
    const clipped = fitBeta(withDemos, demos.counts, against, options, { allowNegative: false });
    assert.equal(clipped.beta, 0);
    assert.equal(clipped.value, uniformLogLikelihood(withDemos, demos.counts));
  });

  it('the weight fit stops at a stationary point of the penalised likelihood, better than any candidate direction', () => {
    const options = resolveSoftOptions({ gamma: 0.9 });
    const l2 = 1e-4;
    const fit = fitWeights(withDemos, demos.counts, demos.steps, options, { l2, maxIterations: 200, gradientTolerance: 1e-5 });
    assert.ok(fit.converged);
    // stationary: ∇L / N = λ θ
    const { gradient } = logLikelihood(withDemos, demos.counts, fit.theta, options);
    gradient!.forEach((g, j) => assert.ok(Math.abs(g / demos.steps - l2 * fit.theta[j]) < 1e-5, `${g / demos.steps} vs ${l2 * fit.theta[j]}`));
    for (let j = 0; j < 4; j++) {
      const direction = [0, 0, 0, 0].map((_, i) => (i === j ? 1 : 0));
      // the penalised objective L/N − (λ/2)|θ|² of each candidate alone is no higher than the fit's
      const alone = fitBeta(withDemos, demos.counts, direction, options, { allowNegative: true });
      const penalised = (value: number, squared: number) => value / demos.steps - (l2 / 2) * squared;
      const fitted = penalised(fit.value, fit.theta.reduce((sum, t) => sum + t * t, 0));
      assert.ok(penalised(alone.value, alone.beta ** 2) <= fitted + 1e-9, `${objectiveName(j)}: ${alone.value} vs ${fit.value}`);
    }
  });

  it('is deterministic', () => {
    const options = resolveSoftOptions({ gamma: 0.9 });
    const search = { l2: 1e-5, maxIterations: 4, gradientTolerance: 1e-6 };
    assert.deepEqual(fitWeights(withDemos, demos.counts, demos.steps, options, search), fitWeights(withDemos, demos.counts, demos.steps, options, search));
  });
});
