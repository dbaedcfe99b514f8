/** `mesalab play`: a scripted episode (exact totals, `--json`, `--render`) or human play in a terminal. */
import { UsageError } from '../../core/errors.js';
import { playScript } from '../../engine/play.js';
import { loadSplitFile, makeEnv } from '../../registry.js';
import { intOption, listOption, parse, stringOption } from '../args.js';
import { playInteractive, type Terminal } from '../interactive.js';
import { num, table } from '../table.js';

export const usage =
  'mesalab play ENV [--split NAME] [--seed N] [--set key=value ...] [--splits FILE] [--actions LETTERS] [--json] [--render]';

export async function run(argv: readonly string[], print: (text: string) => void, terminal: Terminal, printErr: (text: string) => void): Promise<void> {
  const parsed = parse(
    argv,
    {
      split: { type: 'string' },
      seed: { type: 'string' },
      set: { type: 'string', multiple: true },
      splits: { type: 'string' },
      actions: { type: 'string' },
      json: { type: 'boolean' },
      render: { type: 'boolean' },
    },
    usage,
  );
  const [name, ...extra] = parsed.positionals;
  if (name === undefined) throw new UsageError(`play needs an environment name. Usage: ${usage}. Run "mesalab envs" for the list.`);
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}. Usage: ${usage}`);
  const seed = intOption(parsed, 'seed', 0);
  const splitFile = stringOption(parsed, 'splits');
  const env = makeEnv(name, {
    split: stringOption(parsed, 'split') ?? 'train',
    set: listOption(parsed, 'set'),
    customSplits: splitFile ? loadSplitFile(splitFile, name) : {},
  });
  const letters = stringOption(parsed, 'actions');

  if (letters === undefined) {
    if (!terminal.input.isTTY) {
      throw new UsageError('play without --actions is interactive and needs a terminal; pass --actions LETTERS (e.g. --actions rrdd) to play a script.');
    }
    await playInteractive(env, seed, terminal);
    return;
  }

  const replay = playScript(env, letters, seed);
  if (parsed.values.render === true) {
    const out = parsed.values.json === true ? printErr : print;
    replay.frames.forEach((frame, t) => {
      const head = t === 0 ? 'start' : `step ${t}: ${letters.replace(/\s+/g, '')[t - 1]}  reward ${num(replay.rewards[t - 1])}`;
      out(`${head}\n${frame}\n`);
    });
  }
  const s = replay.summary;
  if (parsed.values.json === true) {
    print(JSON.stringify(s));
    return;
  }
  print(
    `${s.env} · split ${s.split} · seed ${s.seed} · ${s.steps} steps · ${s.terminated ? 'terminated' : s.truncated ? 'truncated' : 'still running'}\n` +
      table(
        ['quantity', 'total'],
        [['return', num(s.return)], ['hidden performance', num(s.performance)], ...Object.entries(s.objectives).map(([k, v]) => [`objective ${k}`, num(v)])],
        [false, true],
      ),
  );
}
