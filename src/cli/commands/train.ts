/** `mesalab train`: one base optimizer on one environment; `--resume DIR` continues a stopped run. */
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { parseAssignments } from '../../engine/knobs.js';
import { getAlgorithm, parseHyperparameters } from '../../train/algorithms.js';
import { resumeRun, startRun, type RunConfig, type RunResult } from '../../train/run.js';
import { intOption, listOption, parse, stringOption } from '../args.js';
import { progressPrinter } from '../progress.js';
import { num } from '../table.js';

export const usage =
  'mesalab train ENV --algo NAME [--split NAME] [--steps N] [--seed N] [--gamma G] [--horizon H] [--set key=value ...] [--hp key=value ...] [--out DIR] | mesalab train --resume DIR';

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
  const common = { checkpointSeconds, onProgress: progress.update, shouldStop: () => stopRequested };
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
