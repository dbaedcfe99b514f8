/**
 * Run as `node --expose-gc gc-probe.js ENV SPLIT`: warm up a VectorEnv, then count the garbage
 * collections during 40,000 steps of 16 copies and print {"collections": N}. A separate process per
 * environment, as in real use, so the count is not polluted by other environments' JIT history.
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { Rng } from '../../src/core/rng.js';
import { makeVectorEnv } from '../../src/registry.js';

const [name, split] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const COPIES = 16;
const vec = makeVectorEnv(name, COPIES, { split });
const rng = new Rng(3);
const actions = new Int32Array(COPIES);
const count = vec.spec.actions.length;
const run = (steps: number) => {
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < COPIES; i++) actions[i] = rng.int(count);
    vec.step(actions);
  }
};
let started = Infinity;
let collections = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.startTime >= started) collections++;
}).observe({ entryTypes: ['gc'] });
vec.reset(0);
run(20_000); // warm-up: let the JIT settle
gc();
started = performance.now();
run(40_000);
setTimeout(() => process.stdout.write(JSON.stringify({ collections })), 20); // let the observer deliver
