import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from '../../src/store/store.js';
import { csvObjects } from '../store/helpers.js';
import { studyFolder, tinyStudy, twoWorlds } from './helpers.js';
import { mesalab } from '../support/cli.js';

describe('mesalab studies, run and report on the command line', () => {
  it('studies lists the built-in studies with their environment, cells and splits', () => {
    const r = mesalab('studies');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^strawberry\s+strawberry\s+3\s+ppo \(ppo, 150,000 steps\) × 3\s+train, night, red-nose, goodhart\s+Strawberry picking/m);
    assert.match(r.stdout, /^absent-supervisor\s+absent-supervisor\s+3\s+dqn \(dqn, 40,000 steps\) × 3\s+watched, unwatched\s+/m);
    const json = JSON.parse(mesalab('studies', '--json').stdout) as Array<{ name: string; seeds: number[] }>;
    assert.match(r.stdout, /^rl-vs-sl\s+distributional-shift\s+6\s+/m);
    assert.match(r.stdout, /^gain-of-function\s+vault\s+9\s+/m);
    assert.deepEqual(json.map((s) => [s.name, s.seeds]), [['strawberry', [0, 1, 2]], ['absent-supervisor', [0, 1, 2]], ['rl-vs-sl', [0, 1, 2]], ['gain-of-function', [0, 1, 2]]]);
  });

  it('run refuses a bad study file with one line per problem and exit code 2, before touching the store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesalab-study-'));
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad\nenvironment: strawbery\nevaluate: {splits: [night]}\nagents: [{label: ppo, algo: ppo, steps: 1000}]\n');
    const db = join(dir, 'runs.db');
    const r = mesalab('run', join(dir, 'bad.yaml'), '--db', db);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `mesalab: ${join(dir, 'bad.yaml')}: environment: Unknown environment "strawbery": did you mean "strawberry"? Choices: absent-supervisor, distributional-shift, strawberry, maze, keys-chests, monsters, treacherous-turn, hidden-incentives, vault. Run "mesalab envs" for the list.\n`);
    assert.equal(existsSync(db), false);
    const unknown = mesalab('run', 'strawbery', '--db', db);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^mesalab: Unknown study "strawbery": did you mean "strawberry"\?[^\n]*\n$/);
  });

  it('report writes a study\'s report where asked; an unknown id or a run id is one line and exit code 2', () => {
    const { file, db, dir } = studyFolder(tinyStudy({ seeds: [0], evaluate: { splits: ['unwatched'], episodes: 4 } }));
    const ran = mesalab('run', file, '--db', db);
    assert.equal(ran.code, 0, ran.stderr);
    const store = openStore(db);
    const [study] = store.listStudies();
    const [run] = store.listRuns();
    store.close();

    const out = join(dir, 'elsewhere', 'tiny.html');
    const r = mesalab('report', study.id, '--db', db, '--out', out);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Report: ${out}\n`);
    assert.ok(readFileSync(out, 'utf8').includes(`<code>${study.id}</code>`));
    const byDefault = mesalab('report', study.id, '--db', db);
    assert.equal(byDefault.stdout, `Report: ${join(dir, 'runs', 'studies', study.id, 'report.html')}\n`);

    const unknown = mesalab('report', 'st-00000000', '--db', db);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, `mesalab: No study or run "st-00000000" in ${db}. Run "mesalab runs --db ${db}" to list the ids.\n`);
    const ofRun = mesalab('report', String(run.id), '--db', db);
    assert.equal(ofRun.code, 2);
    assert.equal(ofRun.stderr, `mesalab: report takes a study id, and ${run.id} is a run (it is a cell of study ${study.id}). Run "mesalab show ${run.id}" for one run.\n`);
    const noStore = mesalab('report', study.id, '--db', join(dir, 'none.db'));
    assert.equal(noStore.code, 2);
    assert.equal(noStore.stderr.split('\n').length, 2, 'one line');
  });

  it('run takes a YAML study of several environments and refuses an agent that cannot train on one of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesalab-study-'));
    const file = join(dir, 'two.yaml');
    writeFileSync(
      file,
      [
        'name: two',
        'environments:',
        '  - name: absent-supervisor',
        '    evaluate: {splits: [watched, unwatched], episodes: 4}',
        '  - name: maze',
        '    evaluate: {splits: [deploy], episodes: 4}',
        'agents: [{label: q, algo: q, steps: 1000}]',
        '',
      ].join('\n'),
    );
    const db = join(dir, 'runs.db');
    const r = mesalab('run', file, '--db', db);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^mesalab: ${file}: agents\\[0\\]: agent "q" cannot train on maze \\(environments\\[1\\]\\): Algorithm "q" is tabular`));
    assert.equal(existsSync(db), false, 'refused before the store was made');
  });

  it('runs, show and export name each cell\'s environment in a study of several', () => {
    const { file, db, dir } = studyFolder(twoWorlds({ seeds: [0], report: { replays: 0, heatmaps: false } }));
    const ran = mesalab('run', file, '--db', db);
    assert.equal(ran.code, 0, ran.stderr);
    const store = openStore(db);
    const [study] = store.listStudies();
    const runs = store.listRuns();
    store.close();

    assert.match(mesalab('runs', '--db', db).stdout, new RegExp(`^${study.id}\\s+two-worlds\\s+absent-supervisor, distributional-shift\\s+finished\\s+2/2`, 'm'));
    // A table per environment, each with its own evaluation splits.
    const shown = mesalab('show', study.id, '--db', db).stdout;
    const [absent, shift] = shown.split('distributional-shift (environment 2 of 2)');
    assert.ok(absent.includes('absent-supervisor (environment 1 of 2)'), shown);
    assert.match(absent, /run\s+env\s+split\s+agent\s+algo\s+seed\s+status\s+steps\s+unwatched\s+watched\n/);
    assert.match(absent, new RegExp(`^\\s*${runs[0].id}\\s+absent-supervisor\\s+train\\s+q\\s+q\\s+0\\s+finished\\s+3072\\s+\\S+ / \\S+\\s+\\S+ / \\S+$`, 'm'));
    assert.match(shift, /run\s+env\s+split\s+agent\s+algo\s+seed\s+status\s+steps\s+deploy\s+train\n/);
    assert.match(shift, new RegExp(`^\\s*${runs[1].id}\\s+distributional-shift\\s+train\\s+q\\s+q\\s+0\\s+finished`, 'm'));
    assert.match(mesalab('show', String(runs[1].id), '--db', db).stdout, new RegExp(`^run ${runs[1].id} · distributional-shift/train · q · agent q · seed 0 · study ${study.id}`));

    const out = join(dir, 'export');
    assert.equal(mesalab('export', study.id, '--format', 'csv', '--out', out, '--db', db).code, 0);
    const episodes = csvObjects(readFileSync(join(out, 'episodes.csv'), 'utf8'));
    assert.deepEqual([...new Set(episodes.map((e) => `${e.env}:${e.split}`))].sort(), ['absent-supervisor:unwatched', 'absent-supervisor:watched', 'distributional-shift:deploy', 'distributional-shift:train']);
  });
});
