/** `mesalab show ID`: one study (its cells, their progress and evaluation means per split, per environment) or one run. */
import { UsageError } from '../../core/errors.js';
import { findEntry } from '../../store/export.js';
import { openStore, type Store } from '../../store/store.js';
import type { Run, SplitSummary, Study } from '../../store/types.js';
import { parse, stringOption } from '../args.js';
import { num, table } from '../table.js';
import { shortTime } from './runs.js';

export const usage = 'mesalab show ID [--db PATH] [--json]';

export function run(argv: readonly string[], print: (text: string) => void): void {
  const parsed = parse(argv, { db: { type: 'string' }, json: { type: 'boolean' } }, usage);
  const [id, ...extra] = parsed.positionals;
  if (id === undefined) throw new UsageError(`show needs a study or run id (mesalab runs lists them). Usage: ${usage}`);
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}. Usage: ${usage}`);
  const db = stringOption(parsed, 'db');
  const store = openStore(db, { mustExist: true });
  try {
    const entry = findEntry(store, id, db === undefined ? 'mesalab runs' : `mesalab runs --db ${db}`);
    const json = parsed.values.json === true;
    if (entry.kind === 'study') showStudy(store, entry.study, json, print);
    else showRun(store, entry.run, json, print);
  } finally {
    store.close();
  }
}

function showStudy(store: Store, study: Study, json: boolean, print: (text: string) => void): void {
  const cells = store.listRuns(study.id).map((run) => ({ ...run, splits: store.splitSummaries(run.id) }));
  const audits = store.audits({ studyId: study.id });
  if (json) return print(JSON.stringify({ study, cells, audits }, null, 2));
  const out = [
    `study ${study.id} "${study.name}" · ${study.status} · ${study.finishedCells}/${study.cells} cells finished · created ${shortTime(study.createdAt)}` +
      (study.finishedAt === null ? '' : ` · ended ${shortTime(study.finishedAt)}`) + ' (UTC)',
    '',
  ];
  if (cells.length === 0) out.push('No cells yet.');
  else {
    // Environments have their own splits (and may share names such as train): a table each where there are several.
    const envs = [...new Set(cells.map((c) => c.env))];
    envs.forEach((env, i) => {
      const mine = cells.filter((c) => c.env === env);
      const splits = [...new Set(mine.flatMap((c) => c.splits.map((s) => s.split)))].sort();
      if (envs.length > 1) out.push(`${i > 0 ? '\n' : ''}${env} (environment ${i + 1} of ${envs.length})`);
      out.push(
        table(
          ['run', 'env', 'split', 'agent', 'algo', 'seed', 'status', 'steps', ...splits],
          mine.map((c) => [
            String(c.id), c.env, c.trainSplit, c.agent, c.algo, String(c.seed), c.status, String(c.steps),
            ...splits.map((split) => meanPair(c.splits.find((s) => s.split === split))),
          ]),
          [true, false, false, false, false, true, false, true, ...splits.map(() => true)],
        ),
      );
    });
    if (cells.some((c) => c.splits.length > 0)) out.push('', 'Under each evaluation split: mean return / mean hidden performance over its episodes.');
  }
  if (audits.length > 0) {
    out.push('', 'Audits', table(['audit', 'kind', 'run', 'verdict'], audits.map((a) => [String(a.id), a.kind, a.runId === null ? '' : String(a.runId), verdictOf(a.result)])));
  }
  print(out.join('\n'));
}

/** An audit's one-line verdict, as stored in its result. */
function verdictOf(result: unknown): string {
  const verdict = (result as { verdict?: unknown } | null)?.verdict;
  return typeof verdict === 'string' ? verdict : '';
}

/** Four significant digits: losses of 1e-5 and returns of 40 both read right. */
const metricText = (v: number | null): string => (v === null ? '—' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

const meanPair = (s: SplitSummary | undefined): string => (s === undefined ? '' : `${num(s.return)} / ${num(s.performance)}`);

function showRun(store: Store, run: Run, json: boolean, print: (text: string) => void): void {
  const last = store.lastMetrics(run.id);
  const splits = store.splitSummaries(run.id);
  const artifacts = store.artifacts(run.id);
  const audits = store.audits({ runId: run.id });
  if (json) return print(JSON.stringify({ run, lastMetrics: last ?? null, splits, artifacts, audits }, null, 2));
  const out = [
    `run ${run.id} · ${run.env}/${run.trainSplit} · ${run.algo} · agent ${run.agent} · seed ${run.seed}${run.studyId === null ? '' : ` · study ${run.studyId}`}`,
    `${run.status} · ${run.steps} steps · created ${shortTime(run.createdAt)}${run.finishedAt === null ? '' : ` · ended ${shortTime(run.finishedAt)}`} (UTC)${run.runDir === null ? '' : ` · ${run.runDir}`}`,
    '',
    'Configuration',
  ];
  const config = run.config;
  if (config !== null && typeof config === 'object' && !Array.isArray(config)) {
    out.push(table(['key', 'value'], Object.entries(config).map(([k, v]) => [k, JSON.stringify(v)])));
  } else out.push(JSON.stringify(config));
  if (last !== undefined) {
    out.push('', `Last metrics (step ${last.step})`, table(['metric', 'value'], Object.entries(last.values).map(([k, v]) => [k, metricText(v)]), [false, true]));
  }
  if (splits.length > 0) {
    out.push(
      '',
      'Evaluation (means over episodes)',
      table(
        ['split', 'episodes', 'return', 'hidden performance', 'length'],
        splits.map((s) => [s.split, String(s.episodes), num(s.return), num(s.performance), num(s.length, 1)]),
        [false, true, true, true, true],
      ),
    );
  }
  if (audits.length > 0) {
    out.push('', 'Audits', table(['audit', 'kind', 'created (UTC)', 'verdict'], audits.map((a) => [String(a.id), a.kind, shortTime(a.createdAt), verdictOf(a.result)])));
  }
  if (artifacts.length > 0) {
    out.push('', 'Artifacts', table(['kind', 'bytes', 'sha256', 'path'], artifacts.map((a) => [a.kind, String(a.bytes), a.sha256.slice(0, 12), a.path]), [false, true]));
  }
  print(out.join('\n'));
}
