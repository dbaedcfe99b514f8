/**
 * The vectorised engine's step loop, auto-resets included, allocates nothing: after a warm-up, 40,000
 * steps of 16 copies of every environment run without a single garbage collection. Each environment
 * runs in its own process, as in real use, and with V8's optimizing compiler on the main thread
 * (--no-concurrent-recompilation): optimized code then arrives at the same point of the seeded run
 * however loaded the machine is, so the count cannot depend on timing (on a busy machine a late
 * background compile once left the loop unoptimized, boxing doubles, long enough for a collection).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENTS } from '../../src/envs/index.js';

const PROBE = fileURLToPath(new URL('../support/gc-probe.js', import.meta.url));

describe('VectorEnv allocates nothing per step', () => {
  for (const spec of ENVIRONMENTS) {
    for (const split of ['train', 'deploy']) {
      it(`${spec.name}/${split}: no garbage collection in 40,000 steps × 16 copies`, () => {
        const r = spawnSync(process.execPath, ['--expose-gc', '--no-concurrent-recompilation', PROBE, spec.name, split], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        const { collections } = JSON.parse(r.stdout) as { collections: number };
        assert.equal(collections, 0, `${collections} garbage collections: the step loop allocates`);
      });
    }
  }
});
