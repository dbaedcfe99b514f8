import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as exportCommand from '../../src/cli/commands/export.js';
import * as runs from '../../src/cli/commands/runs.js';
import * as show from '../../src/cli/commands/show.js';
import { UsageError } from '../../src/core/errors.js';
import { openStore } from '../../src/store/store.js';
import { csvObjects, freshStorePath, sampleEpisode, sampleRun } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Call a command's `run` and return what it printed. */
function capture(command: { run(argv: readonly string[], print: (text: string) => void): void }, ...argv: string[]): string {
  const lines: string[] = [];
  command.run(argv, (text) => lines.push(text));
  return lines.join('\n');
}

/** A store with a study of two cells (one finished and evaluated on two splits) and a run outside it. */
function populated(): { db: string; study: string; evaluated: number; pending: number; loose: number } {
  const db = freshStorePath();
  const store = openStore(db);
  const study = store.createStudy('absent-supervisor myopia', { agents: ['dqn-far-sighted'], seeds: [0, 1] });
  const evaluated = store.upsertRun(sampleRun({ studyId: study }));
  const pending = store.upsertRun(sampleRun({ studyId: study, seed: 1 }));
  const loose = store.upsertRun(sampleRun({ agent: 'scratch', algo: 'q' }));
  store.setRunStatus(evaluated, 'finished', 40000);
  store.appendMetrics(evaluated, [{ step: 20000, values: { return: 12, entropy: 0.9 } }, { step: 40000, values: { return: 44.25, entropy: 0.125 } }]);
  store.recordEpisodes(evaluated, [sampleEpisode('watched', 1), sampleEpisode('watched', 2), sampleEpisode('unwatched', 1), sampleEpisode('unwatched', 2, { return: 45, performance: 15 })]);
  store.recordAudit({ studyId: study, runId: evaluated, kind: 'watched-gap', result: { gap: 30 } });
  store.close();
  return { db, study, evaluated, pending, loose };
}

describe('mesalab runs, show and export', () => {
  it('runs lists studies with cells finished/total, and the runs outside studies', () => {
    const { db, study, loose } = populated();
    const text = capture(runs, '--db', db);
    assert.match(text, new RegExp(`${study}\\s+absent-supervisor myopia\\s+absent-supervisor\\s+running\\s+1/2`));
    assert.match(text, /Runs outside studies/);
    assert.match(text, new RegExp(`^\\s*${loose}\\s+absent-supervisor\\s+train\\s+q\\s+scratch\\s+0\\s+pending\\s+0`, 'm'));
    const json = JSON.parse(capture(runs, '--db', db, '--json'));
    assert.deepEqual(json.studies.map((s: { id: string; cells: number; finishedCells: number }) => [s.id, s.cells, s.finishedCells]), [[study, 2, 1]]);
    assert.deepEqual(json.runs.map((r: { id: number }) => r.id), [loose]);
  });

  it('runs reads MESALAB_DB, and says so when there is no store yet', () => {
    const { db, study } = populated();
    const saved = process.env.MESALAB_DB;
    try {
      process.env.MESALAB_DB = db;
      assert.ok(capture(runs).includes(study));
      const missing = freshStorePath();
      process.env.MESALAB_DB = missing;
      assert.equal(capture(runs), `No run store at ${missing} yet: studies will write their results there.`);
      assert.equal(existsSync(missing), false, 'listing creates nothing');
    } finally {
      if (saved === undefined) delete process.env.MESALAB_DB;
      else process.env.MESALAB_DB = saved;
    }
  });

  it('show STUDY: each cell with status, steps and mean return / performance per split', () => {
    const { db, study, evaluated, pending } = populated();
    const text = capture(show, study, '--db', db);
    assert.match(text, new RegExp(`^study ${study} "absent-supervisor myopia" · running · 1/2 cells finished`));
    assert.match(text, /run\s+env\s+split\s+agent\s+algo\s+seed\s+status\s+steps\s+unwatched\s+watched/);
    assert.match(text, new RegExp(`^\\s*${evaluated}\\s+absent-supervisor\\s+train\\s+dqn-far-sighted\\s+dqn\\s+0\\s+finished\\s+40000\\s+46 / 16\\s+41 / 41$`, 'm'));
    assert.match(text, new RegExp(`^\\s*${pending}\\s+absent-supervisor\\s+train\\s+dqn-far-sighted\\s+dqn\\s+1\\s+pending\\s+0$`, 'm'));
    assert.match(text, /watched-gap/);
    const json = JSON.parse(capture(show, study, '--db', db, '--json'));
    assert.equal(json.study.id, study);
    assert.deepEqual(json.cells[0].splits, [
      { split: 'unwatched', episodes: 2, return: 46, performance: 16, length: 3 },
      { split: 'watched', episodes: 2, return: 41, performance: 41, length: 9 },
    ]);
    assert.equal(json.audits[0].kind, 'watched-gap');
  });

  it('show RUN: its configuration, last metrics and per-split evaluation', () => {
    const { db, evaluated, study } = populated();
    const text = capture(show, String(evaluated), '--db', db);
    assert.match(text, new RegExp(`^run ${evaluated} · absent-supervisor/train · dqn · agent dqn-far-sighted · seed 0 · study ${study}`));
    assert.match(text, /finished · 40000 steps/);
    assert.match(text, /hyperparameters\s+\{"lr":0.0005,"envs":8\}/);
    assert.match(text, /Last metrics \(step 40000\)/);
    assert.match(text, /return\s+44\.25\n/);
    assert.match(text, /unwatched\s+2\s+46\s+16\s+3/);
    const json = JSON.parse(capture(show, String(evaluated), '--db', db, '--json'));
    assert.deepEqual(json.lastMetrics, { step: 40000, values: { return: 44.25, entropy: 0.125 } });
    assert.equal(json.run.config.budget, 40000);
  });

  it('export writes the four CSV tables or one JSON file and prints their paths', () => {
    const { db, study, evaluated } = populated();
    const out = mkdtempSync(join(tmpdir(), 'mesalab-export-'));
    const printed = capture(exportCommand, study, '--format', 'csv', '--out', out, '--db', db).split('\n');
    assert.deepEqual(printed, ['runs.csv', 'metrics.csv', 'episodes.csv', 'audits.csv'].map((f) => join(out, f)));
    const episodes = csvObjects(readFileSync(join(out, 'episodes.csv'), 'utf8'));
    assert.equal(episodes.length, 4);
    assert.deepEqual(Object.keys(episodes[0]).filter((k) => k.startsWith('objective_')), ['objective_intended', 'objective_observed-reward']);
    assert.equal(csvObjects(readFileSync(join(out, 'metrics.csv'), 'utf8')).length, 2);

    const [path] = capture(exportCommand, String(evaluated), '--format', 'json', '--out', out, '--db', db).split('\n');
    assert.equal(path, join(out, `${evaluated}.json`));
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).runs.map((r: { id: number }) => r.id), [evaluated]);
  });

  const usageErrors: Array<[string, () => unknown, RegExp]> = [
    ['show with an unknown id', () => capture(show, 'st-0000beef', '--db', populated().db), /^No study or run "st-0000beef" in .*\. Run "mesalab runs --db .*" to list the ids\.$/],
    ['export with an unknown id', () => capture(exportCommand, '4242', '--format', 'csv', '--db', populated().db), /^No study or run "4242" in .*Run "mesalab runs --db .*" to list the ids\.$/],
    ['export with a bad format', () => capture(exportCommand, '1', '--format', 'xlsx', '--db', populated().db), /^Unknown export format "xlsx"\. Choices: csv, json\. Usage: mesalab export/],
    ['export without a format', () => capture(exportCommand, '1', '--db', populated().db), /^export needs --format csv or --format json/],
    ['show without an id', () => capture(show, '--db', populated().db), /^show needs a study or run id/],
    ['show on a store that does not exist', () => capture(show, '1', '--db', freshStorePath()), /^No run store at .*: nothing has been stored there yet/],
    ['runs with a stray argument', () => capture(runs, 'all'), /^runs takes no arguments; got all/],
  ];
  for (const [name, call, message] of usageErrors) {
    it(`${name} → one-line usage error`, () => {
      assert.throws(call, (error: unknown) => error instanceof UsageError && error.exitCode === 2 && !error.message.includes('\n') && message.test(error.message), String(message));
    });
  }

  it('the three commands are registered in mesalab: help, default export folder, did-you-mean', () => {
    const { db, study } = populated();
    const cwd = mkdtempSync(join(tmpdir(), 'mesalab-cwd-'));
    const env = { ...process.env, MESALAB_DB: db };
    const help = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
    for (const command of ['runs [--db PATH]', 'show ID', 'export ID --format csv|json']) assert.ok(help.stdout.includes(command), command);
    const r = spawnSync(process.execPath, [MAIN, 'export', study, '--format', 'json'], { encoding: 'utf8', cwd, env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), join('mesalab-export', study, `${study}.json`));
    assert.ok(existsSync(join(cwd, 'mesalab-export', study, `${study}.json`)));
    const typo = spawnSync(process.execPath, [MAIN, 'exprot'], { encoding: 'utf8', cwd, env });
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /Unknown command "exprot": did you mean "export"\?/);
    const unknown = spawnSync(process.execPath, [MAIN, 'show', 'st-12345678'], { encoding: 'utf8', cwd, env });
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr, `mesalab: No study or run "st-12345678" in ${db}. Run "mesalab runs" to list the ids.\n`);
  });
});
