/**
 * Environment throughput, one JSON line per environment and mode:
 * {"bench": "env", "env": "maze", "mode": "single" | "vector", "envs": 1 | N, "steps_per_s": 1234567}
 * Random actions from a seeded generator, resets included, one core (this process, one thread).
 * Each figure is the best of a few timed rounds after a warm-up, the usual way to read through
 * scheduler noise on a shared machine.
 */
import { Rng } from '../src/core/rng.js';
import { ENVIRONMENTS } from '../src/envs/index.js';
import { makeEnv, makeVectorEnv } from '../src/registry.js';

const VECTOR_ENVS = 64;
const ROUND_SECONDS = Number(process.env.MESALAB_BENCH_SECONDS ?? 0.6);
const ROUNDS = 3;

export function bestRate(round: () => number): number {
  round(); // warm-up: JIT and caches
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const started = process.hrtime.bigint();
    let steps = 0;
    let elapsed = 0;
    while (elapsed < ROUND_SECONDS) {
      steps += round();
      elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    }
    best = Math.max(best, steps / elapsed);
  }
  return Math.round(best);
}

function single(name: string): number {
  const env = makeEnv(name, { split: 'train' });
  const rng = new Rng(1);
  const actions = env.actionCount;
  env.reset(0);
  return bestRate(() => {
    for (let t = 0; t < 10_000; t++) {
      const r = env.step(rng.int(actions));
      if (r.terminated || r.truncated) env.reset();
    }
    return 10_000;
  });
}

function vector(name: string, n: number): number {
  const vec = makeVectorEnv(name, n, { split: 'train' });
  const rng = new Rng(1);
  const count = vec.spec.actions.length;
  const actions = new Int32Array(n);
  vec.reset(0);
  return bestRate(() => {
    for (let t = 0; t < 1000; t++) {
      for (let i = 0; i < n; i++) actions[i] = rng.int(count);
      vec.step(actions);
    }
    return 1000 * n;
  });
}

export function benchEnvironments(only?: string): void {
  for (const spec of ENVIRONMENTS) {
    if (only && spec.name !== only) continue;
    console.log(JSON.stringify({ bench: 'env', env: spec.name, mode: 'single', envs: 1, steps_per_s: single(spec.name) }));
    console.log(JSON.stringify({ bench: 'env', env: spec.name, mode: 'vector', envs: VECTOR_ENVS, steps_per_s: vector(spec.name, VECTOR_ENVS) }));
  }
}
