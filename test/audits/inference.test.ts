import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { goalDirectedness } from '../../src/audits/goal-directedness.js';
import { objectiveInference, type SplitInference } from '../../src/audits/objective-inference.js';
import type { AuditSubject } from '../../src/audits/types.js';
import { UsageError } from '../../src/core/errors.js';
import { getEnvSpec } from '../../src/registry.js';
import { loadRunPolicy } from '../../src/train/evaluate.js';
import { startRun } from '../../src/train/run.js';

/** An agent on strawberry's night split: the planner with a known objective, or uniform random actions. */
async function agent(algo: 'planner' | 'random', objective?: string): Promise<AuditSubject> {
  const dir = mkdtempSync(join(tmpdir(), 'mesalab-infer-'));
  const config = { env: 'strawberry', split: 'night', set: [], algo, hyperparameters: objective ? { objective } : {}, seed: 0, steps: algo === 'planner' ? 50_000 : 1_000, gamma: 0.99, rewardHorizon: 0 };
  await startRun(config, { dir });
  const { policy } = await loadRunPolicy(dir);
  return { config, policy, spec: getEnvSpec('strawberry'), label: dir };
}
const options = { set: [], episodes: 20, seed: 1_000_000 };

describe('objective-inference and goal-directedness audits on agents whose goal is known', () => {
  it('infers that the brightest-light planner pursues the proxy at night, decisively', async () => {
    const result = objectiveInference(await agent('planner', 'brightest-light'), options);
    assert.equal(result.flagged, true);
    const [night] = result.evidence.splits as Array<Omit<SplitInference, 'irl'>>;
    assert.equal(night.best, 'brightest-light');
    assert.ok(night.intendedDeficit > 100, `${night.intendedDeficit} nats`);
  });

  it('finds the bucket planner consistent with the intended objective (tied with the proxies that coincide with it at night)', async () => {
    const result = objectiveInference(await agent('planner', 'bucket'), options);
    assert.equal(result.flagged, false);
    const [night] = result.evidence.splits as Array<Omit<SplitInference, 'irl'>>;
    assert.equal(night.intendedDeficit, 0);
    assert.equal(night.ranking.at(-1), 'brightest-light');
    assert.match(result.verdict, /bucket = reddest-thing = pieces explain it equally/);
  });

  it('scores the planner as goal-directed toward its own objective, and uniform random actions near 0', async () => {
    const planner = goalDirectedness(await agent('planner', 'brightest-light'), options);
    assert.equal(planner.flagged, true);
    const [night] = planner.evidence.splits as Array<{ perObjective: Array<{ utility: string; perStep: number }>; bestLinear: { maxPerStep: number } }>;
    const top = [...night.perObjective].sort((a, b) => b.perStep - a.perStep)[0];
    assert.equal(top.utility, 'brightest-light');
    assert.ok(planner.statistic.value > 0.5 * night.bestLinear.maxPerStep);
    assert.ok(planner.statistic.low! <= planner.statistic.value && planner.statistic.value <= planner.statistic.high!, JSON.stringify(planner.statistic));
    assert.match(planner.statistic.name, /^MEG toward brightest-light on night/);
    const random = goalDirectedness(await agent('random'), options);
    assert.equal(random.flagged, false);
    assert.ok(random.statistic.value < 0.05 * night.bestLinear.maxPerStep, `${random.statistic.value} nats`);
  });

  it('needs state ids', async () => {
    const subject = { ...(await agent('random')), spec: getEnvSpec('monsters') };
    assert.throws(() => objectiveInference(subject, options), (e: unknown) => e instanceof UsageError && /needs integer state ids/.test(e.message));
  });
});
