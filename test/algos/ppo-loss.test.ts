import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { ppoLoss, PPO_DEFAULTS } from '../../src/algos/ppo.js';

/** The loss of one sample, as a plain function of its logits and value (what ppoLoss differentiates). */
function lossOf(logits: Float64Array, value: number, s: Sample, config: typeof PPO_DEFAULTS): number {
  const A = logits.length;
  const max = Math.max(...logits);
  const logSum = max + Math.log(logits.reduce((t, z) => t + Math.exp(z - max), 0));
  const logP = Array.from(logits, (z) => z - logSum);
  const ratio = Math.exp(logP[s.action] - s.oldLogProb);
  const clipped = Math.min(Math.max(ratio, 1 - config.clipCoef), 1 + config.clipCoef);
  const policy = -Math.min(ratio * s.advantage, clipped * s.advantage);
  const entropy = -logP.reduce((t, l) => t + Math.exp(l) * l, 0);
  const vClip = s.oldValue + Math.min(Math.max(value - s.oldValue, -config.clipCoef), config.clipCoef);
  const valueLoss = config.clipValueLoss ? 0.5 * Math.max((value - s.target) ** 2, (vClip - s.target) ** 2) : 0.5 * (value - s.target) ** 2;
  void A;
  return policy + config.valueCoef * valueLoss - config.entropyCoef * entropy;
}

interface Sample { action: number; oldLogProb: number; advantage: number; oldValue: number; target: number }

describe('the PPO loss gradient', () => {
  it('matches central finite differences on random samples, clipped and unclipped', () => {
    const rng = new Rng(5);
    const A = 4;
    let checked = 0;
    for (let trial = 0; trial < 300; trial++) {
      const config = { ...PPO_DEFAULTS, entropyCoef: [0, 0.01, 0.2][trial % 3], clipValueLoss: trial % 2 === 0 };
      const logits = Float64Array.from({ length: A }, () => (rng.float() - 0.5) * 4);
      const s: Sample = {
        action: rng.int(A),
        oldLogProb: Math.log(0.05 + rng.float() * 0.9),
        advantage: (rng.float() - 0.5) * 4,
        oldValue: (rng.float() - 0.5) * 2,
        target: (rng.float() - 0.5) * 2,
      };
      const value = s.oldValue + (rng.float() - 0.5) * 0.8;
      const dLogits = new Float32Array(A);
      const dValues = new Float32Array(1);
      ppoLoss(Float32Array.from(logits), 0, A, s.action, s.oldLogProb, s.advantage, value, s.oldValue, s.target, config, 1, dLogits, dValues);
      const h = 1e-6;
      // Skip points within h of a kink (clip boundaries), where the derivative is one-sided.
      const ratio = Math.exp(logits[s.action] - (Math.max(...logits) + Math.log(Array.from(logits).reduce((t, z) => t + Math.exp(z - Math.max(...logits)), 0))) - s.oldLogProb);
      if (Math.abs(Math.abs(ratio - 1) - config.clipCoef) < 1e-3 || Math.abs(Math.abs(value - s.oldValue) - config.clipCoef) < 1e-3) continue;
      for (let a = 0; a < A; a++) {
        const up = Float64Array.from(logits);
        const down = Float64Array.from(logits);
        up[a] += h;
        down[a] -= h;
        const numeric = (lossOf(up, value, s, config) - lossOf(down, value, s, config)) / (2 * h);
        assert.ok(Math.abs(numeric - dLogits[a]) < 1e-4, `trial ${trial} logit ${a}: analytic ${dLogits[a]}, numeric ${numeric}`);
      }
      const numericV = (lossOf(logits, value + h, s, config) - lossOf(logits, value - h, s, config)) / (2 * h);
      assert.ok(Math.abs(numericV - dValues[0]) < 1e-4, `trial ${trial} value: analytic ${dValues[0]}, numeric ${numericV}`);
      checked++;
    }
    assert.ok(checked > 250, `only ${checked} samples away from kinks`);
  });
});
