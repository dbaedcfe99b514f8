/** `mesalab runs`: the studies in the run store, with their environments and how many of their cells have finished, and the runs outside any study. */
import { existsSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { openStore, storePath } from '../../store/store.js';
import type { Run } from '../../store/types.js';
import { parse, stringOption } from '../args.js';
import { table } from '../table.js';

export const usage = 'mesalab runs [--db PATH] [--json]';

/** An ISO time as a table reads it: minutes, UTC. */
export const shortTime = (iso: string | null): string => (iso === null ? '' : `${iso.slice(0, 16).replace('T', ' ')}`);

export function runsTable(runs: readonly Run[]): string {
  return table(
    ['run', 'env', 'split', 'algo', 'agent', 'seed', 'status', 'steps', 'created (UTC)'],
    runs.map((r) => [String(r.id), r.env, r.trainSplit, r.algo, r.agent, String(r.seed), r.status, String(r.steps), shortTime(r.createdAt)]),
    [true, false, false, false, false, true, false, true],
  );
}

/** The environments a study's cells train on, in study order. */
const environmentsOf = (runs: readonly Run[]): string => [...new Set(runs.map((r) => r.env))].join(', ');

export function run(argv: readonly string[], print: (text: string) => void): void {
  const parsed = parse(argv, { db: { type: 'string' }, json: { type: 'boolean' } }, usage);
  if (parsed.positionals.length > 0) throw new UsageError(`runs takes no arguments; got ${parsed.positionals.join(' ')}. Usage: ${usage}`);
  const path = storePath(stringOption(parsed, 'db'));
  const json = parsed.values.json === true;
  if (!existsSync(path)) {
    print(json ? JSON.stringify({ db: path, studies: [], runs: [] }) : `No run store at ${path} yet: studies will write their results there.`);
    return;
  }
  const store = openStore(path);
  try {
    const studies = store.listStudies();
    const loose = store.listRuns(null);
    if (json) return print(JSON.stringify({ db: path, studies, runs: loose }, null, 2));
    if (studies.length === 0 && loose.length === 0) return print(`No studies or runs in ${path} yet.`);
    const out: string[] = [];
    if (studies.length > 0) {
      out.push(
        `Studies in ${path}`,
        table(
          ['study', 'name', 'environments', 'status', 'cells finished', 'created (UTC)'],
          studies.map((s) => [s.id, s.name, environmentsOf(store.listRuns(s.id)), s.status, `${s.finishedCells}/${s.cells}`, shortTime(s.createdAt)]),
          [false, false, false, false, true],
        ),
        '',
      );
    }
    if (loose.length > 0) out.push(`Runs outside studies${studies.length > 0 ? '' : ` in ${path}`}`, runsTable(loose), '');
    out.push('Run "mesalab show ID" for one study or run, "mesalab export ID --format csv" for its tables.');
    print(out.join('\n'));
  } finally {
    store.close();
  }
}
