import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { collectModel, type TabularModel } from '../../src/mdp/model.js';
import { evaluatePolicy, mixPolicies, optimalPolicy, rewardTable, softPolicy, uniformPolicy } from '../../src/mdp/soft.js';
import { resolveEnvParams } from '../../src/registry.js';

/** Plain value iteration, written out independently of soft.ts: the optimal values and greedy action sets. */
function valueIteration(model: TabularModel, weights: number[], gamma: number, horizon = 0): { values: Float64Array; best: number[][] } {
  const { stateCount: S, actionCount: A } = model;
  const reward = rewardTable(model, weights);
  let values = new Float64Array(S);
  const q = new Float64Array(S * A);
  for (let sweep = 0; horizon === 0 || sweep < horizon; sweep++) {
    const next = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      let best = -Infinity;
      for (let a = 0; a < A; a++) {
        const sa = s * A + a;
        if (model.visits[sa] === 0) continue;
        let future = 0;
        for (let e = model.edgeStart[sa]; e < model.edgeStart[sa + 1]; e++) future += model.edgeProbability[e] * values[model.edgeState[e]];
        q[sa] = reward[sa] + gamma * future;
        best = Math.max(best, q[sa]);
      }
      next[s] = best === -Infinity ? 0 : best;
    }
    const change = next.reduce((max, v, s) => Math.max(max, Math.abs(v - values[s])), 0);
    values = next;
    if (horizon === 0 && change < 1e-13) break;
  }
  const best: number[][] = [];
  for (let s = 0; s < S; s++) {
    const actions: number[] = [];
    for (let a = 0; a < A; a++) if (model.visits[s * A + a] > 0 && q[s * A + a] >= values[s] - 1e-7 * (1 + Math.abs(values[s]))) actions.push(a);
    best.push(actions);
  }
  return { values, best };
}

function rowSums(model: TabularModel, policy: Float64Array): number[] {
  const A = model.actionCount;
  return Array.from({ length: model.stateCount }, (_, s) => policy.subarray(s * A, (s + 1) * A).reduce((x, y) => x + y, 0));
}

const absent = collectModel(resolveEnvParams('absent-supervisor', { split: 'train' }), { steps: 20_000 }, new Rng(1));
const strawberry = collectModel(resolveEnvParams('strawberry', { split: 'deploy', set: ['cutting=true'] }), { steps: 100_000 }, new Rng(1));

describe('soft-optimal policies', () => {
  it('β = 0 is the uniform policy over the tried actions, whatever the reward', () => {
    for (const model of [absent, strawberry]) {
      const weights = model.objectives.map((_, j) => j + 1);
      const policy = softPolicy(model, weights, 0, { gamma: 0.9 }).probabilities;
      assert.deepEqual(policy, uniformPolicy(model));
      // and a vanishing β tends to it, even where episodes end at different times
      const small = softPolicy(model, weights, 1e-9, { gamma: 0.9 }).probabilities;
      assert.ok(small.every((p, sa) => Math.abs(p - policy[sa]) < 1e-6));
    }
  });

  it('probabilities sum to 1 in every state, 0 on untried pairs, for every β, discounted or finite-horizon', () => {
    for (const model of [absent, strawberry]) {
      for (const beta of [0, 0.1, 3, 100, Infinity, -2, -Infinity]) {
        for (const options of [{ gamma: 0.9 }, { gamma: 1, horizon: 7 }]) {
          const { probabilities } = softPolicy(model, model.objectives.map((_, j) => (j === 0 ? 1 : 0.5)), beta, options);
          for (const total of rowSums(model, probabilities)) assert.ok(Math.abs(total - 1) < 1e-9, `β ${beta}: ${total}`);
          probabilities.forEach((p, sa) => assert.ok(p >= 0 && (model.visits[sa] > 0 || model.triedCount[(sa / model.actionCount) | 0] === 0 || p === 0)));
        }
      }
    }
  });

  it('large β gives the optimal policy of plain value iteration, and β = ∞ exactly its greedy sets', () => {
    const cases: Array<[TabularModel, number[], number, number]> = [
      [absent, [1, 0], 0.99, 0],
      [absent, [0, 1], 0.99, 0],
      [absent, [1, 0], 1, 5],
      [strawberry, [1, 0, 0, 0], 0.9, 0],
      [strawberry, [0, 0, 0, 1], 0.9, 0],
      [strawberry, [0, 1, 0, 0], 0.95, 30],
    ];
    for (const [model, weights, gamma, horizon] of cases) {
      const plain = valueIteration(model, weights, gamma, horizon);
      const A = model.actionCount;
      const optimal = optimalPolicy(model, weights, { gamma, horizon });
      const soft = softPolicy(model, weights, 1e4, { gamma, horizon });
      for (let s = 0; s < model.stateCount; s++) {
        if (model.triedCount[s] === 0) continue;
        assert.ok(Math.abs(optimal.values[s] - plain.values[s]) < 1e-6 * (1 + Math.abs(plain.values[s])), `V(${s})`);
        const ties = plain.best[s];
        for (let a = 0; a < A; a++) assert.equal(optimal.probabilities[s * A + a], ties.includes(a) ? 1 / ties.length : 0, `state ${s} action ${a}`);
        // at β = 10⁴ the mass sits on the optimal actions (ties may split it in any proportion)
        const onBest = ties.reduce((sum, a) => sum + soft.probabilities[s * A + a], 0);
        assert.ok(onBest > 1 - 1e-6, `state ${s}: ${onBest}`);
      }
    }
  });

  it('the soft values approach the optimal ones from below as β grows, and the return rises with β', () => {
    const weights = [1, 0];
    const optimal = optimalPolicy(absent, weights, { gamma: 0.99 });
    const start = absent.start.findIndex((p) => p > 0);
    const reward = rewardTable(absent, weights);
    let last = -Infinity;
    for (const beta of [0.01, 0.1, 0.3, 1, 3]) {
      const soft = softPolicy(absent, weights, beta, { gamma: 0.99 });
      // the KL penalty to uniform only costs: soft V ≤ optimal V
      assert.ok(soft.values[start] <= optimal.values[start] + 1e-9);
      const achieved = evaluatePolicy(absent, soft.probabilities, reward, { gamma: 0.99 }).values[start];
      assert.ok(achieved > last, `β ${beta}: ${achieved} after ${last}`);
      last = achieved;
    }
    assert.ok(optimal.values[start] - last < 1);
  });

  it('β < 0 soft-minimises: the policy of −w at |β|', () => {
    const a = softPolicy(strawberry, [1, 0, 0, 1], -5, { gamma: 0.9 }).probabilities;
    const b = softPolicy(strawberry, [-1, 0, 0, -1], 5, { gamma: 0.9 }).probabilities;
    assert.ok(a.every((p, sa) => Math.abs(p - b[sa]) < 1e-12));
  });

  it('mixes policies state by state, and refuses bad input', () => {
    const mixed = mixPolicies(uniformPolicy(absent), optimalPolicy(absent, [1, 0], { gamma: 0.9 }).probabilities, 0.25);
    for (const total of rowSums(absent, mixed)) assert.ok(Math.abs(total - 1) < 1e-12);
    assert.throws(() => softPolicy(absent, [1], 1), /2 candidate objectives/);
    assert.throws(() => softPolicy(absent, [1, 0], NaN), /beta/);
    assert.throws(() => softPolicy(absent, [1, 0], 1, { gamma: 1 }), /finite planning horizon/);
    assert.throws(() => mixPolicies(mixed, mixed, 2), /\[0, 1\]/);
  });
});
