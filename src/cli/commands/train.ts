/** `mesalab train`: one base optimizer on one environment; `--resume DIR` continues a stopped run. */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { ProcessPool } from '../../core/processes.js';
import { parseAssignments } from '../../engine/knobs.js';
import { getAlgorithm, parseHyperparameters } from '../../train/algorithms.js';
import { resumeRun, startRun, type RunConfig, type RunResult } from '../../train/run.js';
import { intOption, listOption, parse, stringOption } from '../args.js';
import { progressPrinter } from '../progress.js';
import { num, table } from '../table.js';

export const usage =
  'mesalab train ENV --algo NAME [--split NAME] [--steps N] [--seed N | --seeds 0,1,2 [--workers 2]] [--gamma G] [--horizon H] [--set key=value ...] [--hp key=value ...] [--out DIR] | mesalab train --resume DIR';

/** `--seeds 0,1,2` or `--seeds 0-4`. */
function parseSeeds(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  const seeds = range
    ? Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, i) => Number(range[1]) + i)
    : text.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (seeds.length === 0 || seeds.some((s) => !Number.isSafeInteger(s) || s < 0)) {
    throw new UsageError(`--seeds takes non-negative integers as 0,1,2 or a range 0-4; got "${text}".`);
  }
  return [...new Set(seeds)];
}

/**
 * Train one run per seed, each in its own process and run directory (`OUT/seedN`), at most
 * `workers` at a time: the wasm backend is single-threaded, so processes are how both cores work.
 */
async function trainSeeds(argv: readonly string[], seeds: number[], workers: number, out: string, print: (text: string) => void): Promise<number> {
  // The same arguments, minus --seeds/--workers/--out/--json, plus each seed's own.
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seeds' || a === '--workers' || a === '--out') i++;
    else if (a.startsWith('--seeds=') || a.startsWith('--workers=') || a.startsWith('--out=') || a === '--json') continue;
    else rest.push(a);
  }
  const main = process.argv[1];
  const results: Array<{ seed: number; code: number | null; summary?: { dir: string; status: string; steps: number; metrics: Record<string, number> }; stderr: string }> = [];
  const pool = new ProcessPool<number>({
    workers,
    command: (seed) => ({ script: main, args: ['train', ...rest, '--seed', String(seed), '--out', join(out, `seed${seed}`), '--json'] }),
    onExit(seed, { code, stdout, stderr }) {
      const summary = code === 0 || code === 130 ? JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') : undefined;
      results.push({ seed, code, summary, stderr });
      process.stderr.write(`seed ${seed}: ${code === 0 ? 'finished' : code === 130 ? 'stopped' : `failed (exit ${code})`} → ${join(out, `seed${seed}`)}\n`);
    },
  });
  await pool.run(seeds);
  results.sort((a, b) => a.seed - b.seed);
  print(
    table(
      ['seed', 'status', 'steps', 'last return', 'last performance', 'run directory'],
      results.map((r) => [String(r.seed), r.summary?.status ?? `failed (exit ${r.code})`, String(r.summary?.steps ?? ''), num(r.summary?.metrics.return ?? NaN), num(r.summary?.metrics.performance ?? NaN), r.summary?.dir ?? join(out, `seed${r.seed}`)]),
    ),
  );
  for (const r of results) if (!r.summary) process.stderr.write(`seed ${r.seed} failed:\n${r.stderr}\n`);
  return results.every((r) => r.code === 0) ? 0 : results.some((r) => r.code !== 0 && r.code !== 130) ? 1 : 130;
}

const DEFAULT_STEPS = 100_000;

function numberOption(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} takes a number; got "${text}".`);
  return n;
}

export async function run(argv: readonly string[], print: (text: string) => void): Promise<number> {
  const parsed = parse(
    argv,
    {
      algo: { type: 'string' },
      split: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      workers: { type: 'string' },
      gamma: { type: 'string' },
      horizon: { type: 'string' },
      set: { type: 'string', multiple: true },
      hp: { type: 'string', multiple: true },
      out: { type: 'string' },
      resume: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
  );
  const seedsText = stringOption(parsed, 'seeds');
  if (seedsText !== undefined) {
    if (stringOption(parsed, 'seed') !== undefined) throw new UsageError('Give --seed N or --seeds LIST, not both.');
    if (stringOption(parsed, 'resume') !== undefined) throw new UsageError('--resume continues one run directory; resume each seed\'s directory on its own.');
    const [env] = parsed.positionals;
    const algo = stringOption(parsed, 'algo');
    if (env === undefined || algo === undefined) throw new UsageError(`train needs an environment and --algo. Usage: ${usage}`);
    const seeds = parseSeeds(seedsText);
    const workers = intOption(parsed, 'workers', Math.min(2, cpus().length), 1);
    const out = stringOption(parsed, 'out') ?? join('mesalab-runs', `${env}-${stringOption(parsed, 'split') ?? 'train'}-${getAlgorithm(algo).name}`);
    return trainSeeds(argv, seeds, workers, out, print);
  }
  let stopRequested = false;
  const onSignal = () => {
    if (stopRequested) process.exit(130); // a second Ctrl-C: the last checkpoint is intact (atomic writes)
    stopRequested = true;
    process.stderr.write('\nStopping after this iteration and saving a checkpoint (Ctrl-C again to quit at once)…\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = progressPrinter();
  const checkpointSeconds = numberOption(stringOption(parsed, 'checkpoint-every'), 'checkpoint-every', 180);
  const common = { checkpointSeconds, onProgress: progress.update, shouldStop: () => stopRequested, onNotice: (message: string) => process.stderr.write(`${message}\n`) };
  let result: RunResult;
  try {
    const resume = stringOption(parsed, 'resume');
    if (resume !== undefined) {
      if (parsed.positionals.length > 0 || stringOption(parsed, 'algo') !== undefined) {
        throw new UsageError('--resume DIR continues a run with its own settings; give no environment or other settings with it.');
      }
      result = await resumeRun(resume, common);
    } else {
      const [env, ...extra] = parsed.positionals;
      if (env === undefined) throw new UsageError(`train needs an environment. Usage: ${usage}`);
      if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}. Usage: ${usage}`);
      const algoName = stringOption(parsed, 'algo');
      if (algoName === undefined) throw new UsageError('train needs --algo NAME. Run "mesalab algos" for the list.');
      const algorithm = getAlgorithm(algoName);
      const seed = intOption(parsed, 'seed', 0);
      const split = stringOption(parsed, 'split') ?? 'train';
      const config: RunConfig = {
        env,
        split,
        set: parseAssignments(listOption(parsed, 'set')),
        algo: algorithm.name,
        hyperparameters: parseHyperparameters(algorithm, listOption(parsed, 'hp')),
        seed,
        steps: intOption(parsed, 'steps', DEFAULT_STEPS, 1),
        gamma: numberOption(stringOption(parsed, 'gamma'), 'gamma', 0.99),
        rewardHorizon: intOption(parsed, 'horizon', 0),
      };
      const out = stringOption(parsed, 'out') ?? join('mesalab-runs', `${env}-${split}-${algorithm.name}-seed${seed}`);
      result = await startRun(config, { ...common, dir: out });
    }
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const m = result.lastMetrics ?? {};
  if (parsed.values.json === true) {
    print(JSON.stringify({ dir: result.dir, status: result.status, steps: result.steps, iterations: result.iterations, metrics: m }));
  } else {
    const verb = result.status === 'finished' ? 'Finished' : 'Stopped';
    print(
      `${verb} after ${result.steps.toLocaleString('en')} steps (${result.iterations} iterations); last return ${num(m.return ?? NaN)}, performance ${num(m.performance ?? NaN)}.\n` +
        `Run directory: ${result.dir}  (metrics.jsonl, checkpoint.bin)\n` +
        (result.status === 'finished' ? `Next: mesalab eval ${result.dir} --split deploy` : `Continue with: mesalab train --resume ${result.dir}`),
    );
  }
  return result.status === 'finished' ? 0 : 130;
}
