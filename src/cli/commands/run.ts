/** `mesalab run STUDY`: run a study (a YAML or JSON file, or a built-in name) cell by cell, resuming where it stopped. */
import { cpus } from 'node:os';
import { UsageError } from '../../core/errors.js';
import { loadStudy } from '../../study/load.js';
import { runStudy } from '../../study/runner.js';
import { intOption, parse, stringOption } from '../args.js';

export const usage = 'mesalab run STUDY-FILE|BUILT-IN [--db PATH] [--workers N] [--out DIR] [--fresh]';

export async function run(argv: readonly string[], print: (text: string) => void): Promise<number> {
  const parsed = parse(argv, { db: { type: 'string' }, workers: { type: 'string' }, out: { type: 'string' }, fresh: { type: 'boolean' } }, usage);
  const [source, ...extra] = parsed.positionals;
  if (source === undefined) throw new UsageError(`run needs a study file or a built-in study's name ("mesalab studies" lists them). Usage: ${usage}`);
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}. Usage: ${usage}`);
  const { spec } = loadStudy(source);
  const db = stringOption(parsed, 'db');
  const workers = intOption(parsed, 'workers', Math.min(2, cpus().length), 1);

  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C: cells keep their last checkpoints
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const outcome = await runStudy(spec, {
      db,
      workers,
      out: stringOption(parsed, 'out'),
      fresh: parsed.values.fresh === true,
      // Under `npm start` the same command resumes the study.
      again: process.env.npm_lifecycle_event === 'start' ? `npm start${db === undefined ? '' : ` -- --db ${db}`}` : `mesalab run ${source}${db === undefined ? '' : ` --db ${db}`}`,
      print,
      signal: controller.signal,
    });
    return outcome.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
