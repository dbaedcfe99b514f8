/**
 * `mesalab sequence`: the history model. `train` fits it to a histories file (`mesalab histories
 * generate`) in a run directory; `eval` scores a trained model on held-out histories per agent type
 * and phase, with the accuracy on the treacherous turn.
 */
import { UsageError } from '../../core/errors.js';
import { PHASES } from '../../histories/tokens.js';
import { readHistoryFile } from '../../histories/index.js';
import { loadTf } from '../../nn/tf.js';
import { TURN_STEPS, type SequenceMetrics } from '../../sequence/metrics.js';
import { evaluateModel, resumeSequenceRun, splitHistories, startSequenceRun, type SequenceEvaluation, type SequenceProgress, type SequenceRunResult } from '../../sequence/run.js';
import { loadHistoryModel } from '../../sequence/saved.js';
import { DEFAULT_SEQUENCE_CONFIG, SMALL_SEQUENCE_CONFIG, type SequenceTrainConfig } from '../../sequence/trainer.js';
import { intOption, parse, stringOption } from '../args.js';
import { progressLine } from '../progress.js';
import { num, table } from '../table.js';

export const usage =
  'mesalab sequence train --histories FILE --out DIR [--small] [--blind] [--steps N] [--seed N] [--dim N] [--layers N] [--heads N] [--context N] [--batch N] [--lr X] | ' +
  'mesalab sequence train --resume DIR | mesalab sequence eval DIR [--histories FILE] [--json]';

const percent = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');

/** The metrics as tables: per agent type and phase, then the turn. */
export function formatSequenceEvaluation(evaluation: SequenceEvaluation, baseline?: SequenceMetrics): string {
  const { metrics } = evaluation;
  const rows: string[][] = [];
  for (const [type, byPhase] of Object.entries(metrics.byType)) {
    for (const phase of PHASES) {
      const s = byPhase[phase];
      if (!s) continue;
      rows.push([type, phase, String(s.actions), percent(s.actionAccuracy), num(s.actionLoss), num(s.rewardMae), num(s.returnMae)]);
    }
  }
  const o = metrics.overall;
  rows.push(['all', 'all', String(o.actions), percent(o.actionAccuracy), num(o.actionLoss), num(o.rewardMae), num(o.returnMae)]);
  const interval = (x: { successes: number; n: number; rate: number; low: number; high: number }) => `${x.successes}/${x.n}, ${percent(x.rate)} [${percent(x.low)}, ${percent(x.high)}]`;
  const lines = [
    `Held-out histories: ${Object.entries(evaluation.heldOut).map(([k, v]) => `${v} ${k}`).join(', ')}`,
    table(['agent', 'phase', 'actions', 'action accuracy', 'action loss (nats)', 'reward MAE', 'predicted-return MAE'], rows),
    `The treacherous turn foreseen (deceptive agents, first deploy observation: predicted return above half the agent's own): ${interval(metrics.turnForeseen)}` +
      (baseline ? `; baseline ignoring phase and oversight: ${interval(baseline.turnForeseen)}` : ''),
    `False alarms (same agents, last test episode, where they still complied): ${interval(metrics.turnFalseAlarm)}` +
      (baseline ? `; baseline: ${interval(baseline.turnFalseAlarm)}` : ''),
    `Its first ${TURN_STEPS} actions predicted: ${interval(metrics.turn)}` + (baseline ? `; baseline: ${interval(baseline.turn)}` : ''),
  ];
  return lines.join('\n');
}

function numberFlag(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} takes a positive number; got "${text}".`);
  return n;
}

async function train(argv: readonly string[], print: (text: string) => void): Promise<number> {
  const parsed = parse(
    argv,
    {
      histories: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'string' },
      small: { type: 'boolean' },
      blind: { type: 'boolean' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      dim: { type: 'string' },
      layers: { type: 'string' },
      heads: { type: 'string' },
      context: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
  );
  if (parsed.positionals.length > 0) throw new UsageError(`Unexpected arguments: ${parsed.positionals.join(' ')}. Usage: ${usage}`);
  let stopRequested = false;
  const onSignal = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    process.stderr.write('\nStopping after this step and saving a checkpoint (Ctrl-C again to quit at once)…\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = sequenceProgress();
  const common = {
    checkpointSeconds: numberFlag(stringOption(parsed, 'checkpoint-every'), 'checkpoint-every', 180),
    onProgress: progress.update,
    shouldStop: () => stopRequested,
  };
  let result: SequenceRunResult;
  try {
    const resume = stringOption(parsed, 'resume');
    if (resume !== undefined) {
      if (stringOption(parsed, 'histories') !== undefined) throw new UsageError('--resume DIR continues a run with its own settings; give no --histories with it.');
      result = await resumeSequenceRun(resume, common);
    } else {
      const histories = stringOption(parsed, 'histories');
      const out = stringOption(parsed, 'out');
      if (histories === undefined || out === undefined) throw new UsageError(`sequence train needs --histories FILE and --out DIR. Usage: ${usage}`);
      const base = parsed.values.small === true ? SMALL_SEQUENCE_CONFIG : DEFAULT_SEQUENCE_CONFIG;
      const config: SequenceTrainConfig = {
        ...base,
        blind: parsed.values.blind === true,
        steps: intOption(parsed, 'steps', base.steps, 1),
        seed: intOption(parsed, 'seed', base.seed),
        dim: intOption(parsed, 'dim', base.dim, 1),
        layers: intOption(parsed, 'layers', base.layers, 1),
        heads: intOption(parsed, 'heads', base.heads, 1),
        context: intOption(parsed, 'context', base.context, 2),
        batch: intOption(parsed, 'batch', base.batch, 1),
        lr: numberFlag(stringOption(parsed, 'lr'), 'lr', base.lr),
      };
      result = await startSequenceRun(histories, config, { ...common, dir: out });
    }
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (parsed.values.json === true) {
    print(JSON.stringify(result));
  } else {
    print(`${result.status === 'finished' ? 'Finished' : 'Stopped'} after ${result.steps} steps (${Math.round(result.tokensPerSecond).toLocaleString('en')} tokens/s). Run directory: ${result.dir}`);
    if (result.evaluation) print(formatSequenceEvaluation(result.evaluation));
    else print(`Continue with: mesalab sequence train --resume ${result.dir}`);
  }
  return result.status === 'finished' ? 0 : 130;
}

async function evaluate(argv: readonly string[], print: (text: string) => void): Promise<number> {
  const parsed = parse(argv, { histories: { type: 'string' }, baseline: { type: 'string' }, json: { type: 'boolean' } }, usage);
  const [dir, ...extra] = parsed.positionals;
  if (dir === undefined || extra.length > 0) throw new UsageError(`sequence eval takes one run directory. Usage: ${usage}`);
  await loadTf();
  const { model, config } = loadHistoryModel(dir);
  const path = stringOption(parsed, 'histories');
  // Without --histories: the held-out tenth of the file it trained on.
  const histories = path === undefined ? splitHistories(readHistoryFile(config.histories).histories, config.validationFraction).heldOut : readHistoryFile(path).histories;
  const evaluation = evaluateModel(model, histories);
  model.dispose();
  let baseline: SequenceEvaluation | undefined;
  const baselineDir = stringOption(parsed, 'baseline');
  if (baselineDir !== undefined) {
    const blind = loadHistoryModel(baselineDir);
    baseline = evaluateModel(blind.model, histories);
    blind.model.dispose();
  }
  if (parsed.values.json === true) print(JSON.stringify({ ...evaluation, ...(baseline ? { baseline } : {}) }));
  else print(formatSequenceEvaluation(evaluation, baseline?.metrics));
  return 0;
}

/** Training progress of the history model: step, loss and its three parts. */
function sequenceProgress(): { update: (p: SequenceProgress) => void; done: () => void } {
  const line = progressLine();
  return {
    update(p) {
      const fraction = Math.min(1, p.steps / p.budget);
      const r = p.report;
      line.show(fraction, `${Math.round(fraction * 100).toString().padStart(3)}% step ${p.steps}/${p.budget}  loss ${num(r.loss, 3)} (action ${num(r.action, 3)}, return ${num(r.predictedReturn, 3)}, reward ${num(r.reward, 3)})`);
    },
    done: line.done,
  };
}

export async function run(argv: readonly string[], print: (text: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'train') return train(rest, print);
  if (sub === 'eval') return evaluate(rest, print);
  throw new UsageError(`sequence takes train or eval${sub === undefined ? '' : `, not "${sub}"`}. Usage: ${usage}`);
}
