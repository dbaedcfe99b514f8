/**
 * PPO figures, one JSON line each:
 * - {"bench": "ppo-update", "ms": …}: one PPO minibatch update of a 2×64 tanh actor and a separate
 *   2×64 tanh critic, batch 256, 147 inputs: forward, loss, backward, Adam (one thread). Reference:
 *   PyTorch 1.13 on CPU with OpenBLAS, 2.3 ms on this machine kind (shared/notes/ml-core.md).
 * - {"bench": "gemm", "gflops": …}: the SIMD matrix-product kernel the tanh MLP runs on, on the update's
 *   largest product (256×147 by 147×64 plus a bias), and on its transposed twin (the weight gradient).
 * - {"bench": "ppo-train", "env": "maze", "cores": 1 | 2, "steps_per_s": …}: environment steps per
 *   second of whole PPO training (rollouts and updates); two cores run two seeds in worker threads.
 * - {"bench": "ppo-time-to-95", "env": "absent-supervisor", "split": "unwatched", "seconds": …, "steps": …}:
 *   wall time until an iteration's mean episode return reaches 95% of the optimum (47).
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { PPO_DEFAULTS, ppo, ppoLoss } from '../src/algos/ppo.js';
import { loadTf } from '../src/nn/tf.js';
import { assemble } from '../src/nn/simd/assembler.js';
import { gemm } from '../src/nn/simd/gemm.js';
import { TanhMlpActorCritic } from '../src/nn/tanh-mlp.js';
import { resolveEnvParams } from '../src/registry.js';
import type { TrainSetup } from '../src/train/types.js';

export async function benchPpoUpdate(): Promise<void> {
  const B = 256;
  const inputs = 147;
  const actions = 5;
  const rng = new Rng(1);
  const net = new TanhMlpActorCritic(inputs, actions, [64, 64], rng);
  const observations = Float32Array.from({ length: B * inputs }, () => rng.float());
  const taken = Int32Array.from({ length: B }, () => rng.int(actions));
  const oldLogProbs = Float32Array.from({ length: B }, () => Math.log(1 / actions) + (rng.float() - 0.5) * 0.1);
  const advantages = Float32Array.from({ length: B }, () => rng.float() * 2 - 1);
  const oldValues = Float32Array.from({ length: B }, () => rng.float());
  const targets = Float32Array.from({ length: B }, () => rng.float());
  const dLogits = new Float32Array(B * actions);
  const dValues = new Float32Array(B);
  const update = () => {
    const out = net.forward(observations, B);
    for (let j = 0; j < B; j++) ppoLoss(out.logits, j, actions, taken[j], oldLogProbs[j], advantages[j], out.values[j], oldValues[j], targets[j], PPO_DEFAULTS, B, dLogits, dValues);
    net.backwardAndStep(dLogits, dValues, 2.5e-4, 0.5);
  };
  for (let i = 0; i < 50; i++) update();
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const n = 100;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) update();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6 / n);
  }
  net.dispose();
  console.log(JSON.stringify({ bench: 'ppo-update', batch: B, inputs, hidden: '2x64 tanh', ms: Math.round(best * 1000) / 1000 }));
}

/** GFLOP/s of the generated gemm on the PPO update's first layer, forward (A·B + b) and weight gradient (Aᵀ·B). */
export function benchGemm(): void {
  const [m, k, n] = [256, 147, 64];
  const functions = [
    gemm({ name: 'forward', n, aRow: k, aStep: 1, bRow: n, cRow: n, bias: true }),
    gemm({ name: 'weightGradient', n, aRow: 1, aStep: k, bRow: n, cRow: n, bias: false }),
  ];
  const memory = new WebAssembly.Memory({ initial: 8 });
  const kernels = new WebAssembly.Instance(new WebAssembly.Module(assemble(functions)), { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
  const heap = new Float32Array(memory.buffer);
  const rng = new Rng(1);
  for (let i = 0; i < heap.length; i++) heap[i] = rng.float() - 0.5;
  const [a, b, bias, c, d] = [0, 4 * m * k, 4 * (m * k + k * n), 4 * (m * k + k * n + n), 4 * (m * k + k * n + n + m * n)];
  const runs: Array<[string, () => void]> = [
    ['forward', () => kernels.forward(c, a, b, m, k, bias)],
    ['weight-gradient', () => kernels.weightGradient(d, a, c, k, m)],
  ];
  for (const [product, run] of runs) {
    for (let i = 0; i < 200; i++) run();
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) run();
      best = Math.min(best, Number(process.hrtime.bigint() - started) / 200);
    }
    console.log(JSON.stringify({ bench: 'gemm', product, shape: `${m}x${k}x${n}`, gflops: Math.round((2 * m * k * n) / best * 10) / 10 }));
  }
}

export function setupFor(env: string, split: string, set: string[], seed: number, budget: number): TrainSetup {
  const { spec, params } = resolveEnvParams(env, { split, set });
  return { spec, params, split, seed, myopia: { gamma: 0.99, rewardHorizon: 0 }, budget };
}

/** Steps per second of PPO training on maze for `seconds`, in this thread. */
export async function ppoTrainRate(seed: number, seconds: number): Promise<number> {
  const trainer = await ppo.create(setupFor('maze', 'train', [], seed, 10_000_000), PPO_DEFAULTS);
  await trainer.iterate(); // warm-up
  const startSteps = trainer.steps;
  const started = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    await trainer.iterate();
    elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  }
  trainer.dispose?.();
  return (trainer.steps - startSteps) / elapsed;
}

export async function benchPpoTrain(seconds = Number(process.env.MESALAB_BENCH_SECONDS ?? 0.6) * 10): Promise<void> {
  console.log(JSON.stringify({ bench: 'ppo-train', env: 'maze', cores: 1, steps_per_s: Math.round(await ppoTrainRate(0, seconds)) }));
  const worker = fileURLToPath(new URL('./ppo-worker.js', import.meta.url));
  const rates = await Promise.all(
    [0, 1].map(
      (seed) =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(worker, { workerData: { seed, seconds } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  console.log(JSON.stringify({ bench: 'ppo-train', env: 'maze', cores: 2, steps_per_s: Math.round(rates[0] + rates[1]) }));
}

export async function benchPpoTimeTo95(): Promise<void> {
  const optimum = 47;
  const trainer = await ppo.create(setupFor('absent-supervisor', 'unwatched', [], 0, 200_000), PPO_DEFAULTS);
  const started = process.hrtime.bigint();
  let seconds = NaN;
  while (trainer.steps < 200_000) {
    const m = await trainer.iterate();
    if (m.return >= 0.95 * optimum) {
      seconds = Number(process.hrtime.bigint() - started) / 1e9;
      break;
    }
  }
  trainer.dispose?.();
  console.log(JSON.stringify({ bench: 'ppo-time-to-95', env: 'absent-supervisor', split: 'unwatched', seconds: Math.round(seconds * 100) / 100, steps: trainer.steps }));
}
