/** `mesalab eval RUN_DIR`: seeded episodes of a trained agent on any split, with 95% intervals. */
import { UsageError } from '../../core/errors.js';
import { parseAssignments } from '../../engine/knobs.js';
import { evaluateRun } from '../../train/evaluate.js';
import type { MeanInterval } from '../../stats/interval.js';
import { intOption, listOption, parse, stringOption } from '../args.js';
import { num, table } from '../table.js';

export const usage = 'mesalab eval RUN_DIR [--split NAME] [--episodes N] [--seed N] [--set key=value ...] [--show N] [--json]';

const show = (m: MeanInterval) => `${num(m.mean)} ± ${num(m.halfWidth)}`;

export async function run(argv: readonly string[], print: (text: string) => void): Promise<void> {
  const parsed = parse(
    argv,
    { split: { type: 'string' }, episodes: { type: 'string' }, seed: { type: 'string' }, set: { type: 'string', multiple: true }, show: { type: 'string' }, json: { type: 'boolean' } },
    usage,
  );
  const [dir, ...extra] = parsed.positionals;
  if (dir === undefined) throw new UsageError(`eval needs a run directory. Usage: ${usage}`);
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}. Usage: ${usage}`);
  const set = listOption(parsed, 'set');
  const showCount = intOption(parsed, 'show', 0);
  const { summary, episodes } = await evaluateRun(dir, {
    show: showCount,
    split: stringOption(parsed, 'split'),
    set: set.length > 0 ? parseAssignments(set) : undefined,
    episodes: intOption(parsed, 'episodes', 100, 2),
    seed: stringOption(parsed, 'seed') === undefined ? undefined : intOption(parsed, 'seed', 0),
  });
  const shown = episodes.slice(0, showCount);
  if (parsed.values.json === true) {
    print(JSON.stringify(showCount > 0 ? { ...summary, shown } : summary));
    return;
  }
  for (const e of shown) {
    const objectives = Object.entries(e.objectives).map(([k, v]) => `${k} ${num(v)}`).join(', ');
    print(`episode seed ${e.seed}${e.watched ? ' (watched)' : ''}: actions ${e.actions}`);
    print(e.frames!.map((frame, t) => `${t === 0 ? 'start' : `step ${t}: ${e.actions![t - 1]}`}\n${frame}`).join('\n\n'));
    print(`→ return ${num(e.return)}, hidden performance ${num(e.performance)}; ${objectives}${e.caught ? '; CAUGHT' : ''}\n`);
  }
  const rows = [
    ['return', show(summary.return)],
    ['hidden performance', show(summary.performance)],
    ...Object.entries(summary.objectives).map(([name, m]) => [`objective ${name}`, show(m)]),
    ['episode length', show(summary.length)],
    ['ended before the horizon', `${num(summary.terminatedRate * 100, 1)}%`],
    ['caught while watched', `${num(summary.caughtRate * 100, 1)}%`],
  ];
  print(`${summary.env} · split ${summary.split} · ${summary.episodes} episodes from seed ${summary.seed} (mean ± 95% interval)\n${table(['quantity', 'value'], rows, [false, true])}`);
}
