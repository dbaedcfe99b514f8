import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { ReportData } from '../../src/report/data.js';
import { meanInterval, wilsonInterval } from '../../src/stats/interval.js';
import { openStore } from '../../src/store/store.js';
import type { Json } from '../../src/store/types.js';
import { buildReportData } from '../../src/study/report-data.js';
import { runStudy } from '../../src/study/runner.js';
import { studyFolder as folderOf } from '../../src/study/paths.js';
import { validateStudy } from '../../src/study/schema.js';
import { captureStream, studyFolder, tinyStudy, twoWorlds, validTiny } from './helpers.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** A progress stream that calls `onText` with all that has been written so far, after every write. */
function watchedStream(onText: (text: string) => void): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      onText(text);
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe('mesalab run: a study of two environments', () => {
  it('runs every environment × agent × seed, keeps results and report per environment, and resumes', async () => {
    const { db, dir } = studyFolder(twoWorlds());
    const study = validateStudy(twoWorlds(), 'two-worlds.json');

    // First stop it once one cell has finished: one at a time, stopped as that cell's end is shown.
    const stop = new AbortController();
    const first = watchedStream((text) => {
      if (/: finished · /.test(text)) stop.abort();
    });
    const lines: string[] = [];
    const stopped = await runStudy(study, { db, workers: 1, again: 'mesalab run two-worlds.json', print: (t) => lines.push(t), progress: first.stream, signal: stop.signal });
    assert.deepEqual([stopped.status, stopped.exitCode], ['interrupted', 130], lines.join('\n'));
    assert.equal(lines[0], `Study ${stopped.studyId} "two-worlds": 4 cells (absent-supervisor, distributional-shift × q × seeds 0, 1).`);
    assert.match(first.text(), /^q seed 0 on absent-supervisor: finished · 1\/4 cells finished/m);
    const folder = join(dir, 'runs', 'studies', stopped.studyId);

    // Run again: the finished cell is skipped, the other three run.
    const again: string[] = [];
    const progress = captureStream();
    const outcome = await runStudy(study, { db, again: 'mesalab run two-worlds.json', print: (t) => again.push(t), progress: progress.stream });
    assert.deepEqual([outcome.studyId, outcome.status, outcome.exitCode], [stopped.studyId, 'finished', 0], again.join('\n'));
    assert.equal(again[0], `Resuming study ${stopped.studyId} "two-worlds": 1 of 4 cells finished.`);
    assert.equal(again[1], `Run store ${db} · run directories in ${folder}`);
    assert.ok(!progress.text().includes('q seed 0 on absent-supervisor'), progress.text());
    for (const cell of ['q seed 1 on absent-supervisor', 'q seed 0 on distributional-shift', 'q seed 1 on distributional-shift']) {
      assert.match(progress.text(), new RegExp(`^${cell}: finished · [234]/4 cells finished`, 'm'));
    }
    const printed = again.join('\n');

    const store = openStore(db);
    try {
      // One run per cell, in its environment's folder, trained on that environment's split.
      const runs = store.listRuns(outcome.studyId);
      assert.deepEqual(
        runs.map((r) => [r.env, r.trainSplit, r.agent, r.seed, r.status, r.runDir, (r.config as { env: string }).env]),
        [
          ['absent-supervisor', 'train', 'q', 0, 'finished', join(folder, 'absent-supervisor', 'q-seed0'), 'absent-supervisor'],
          ['absent-supervisor', 'train', 'q', 1, 'finished', join(folder, 'absent-supervisor', 'q-seed1'), 'absent-supervisor'],
          ['distributional-shift', 'train', 'q', 0, 'finished', join(folder, 'distributional-shift', 'q-seed0'), 'distributional-shift'],
          ['distributional-shift', 'train', 'q', 1, 'finished', join(folder, 'distributional-shift', 'q-seed1'), 'distributional-shift'],
        ],
      );
      assert.equal(folderOf(store, outcome.studyId), folder, 'the study folder is found again from its nested run directories');
      // Each environment evaluated on its own splits.
      for (const run of runs) {
        const splits = run.env === 'absent-supervisor' ? ['unwatched', 'watched'] : ['deploy', 'train'];
        assert.deepEqual(store.splitSummaries(run.id).map((s) => [s.split, s.episodes]), splits.map((s) => [s, 6]), `${run.env} seed ${run.seed}`);
        assert.ok(existsSync(join(run.runDir!, 'checkpoint.bin')));
      }
      assert.deepEqual(new Set(store.episodes(runs[2].id).map((e) => e.oversight)), new Set(['none']));

      // The result: a heading per environment, each with its own splits and candidate objectives, agreeing with the store.
      assert.match(printed, /^What the agents pursued, per environment and split/m);
      const absentAt = printed.indexOf('\nabsent-supervisor (environment 1 of 2)\n');
      const shiftAt = printed.indexOf('\ndistributional-shift (environment 2 of 2)\n');
      assert.ok(absentAt > 0 && shiftAt > absentAt, printed);
      const [absentPart, shiftPart] = [printed.slice(absentAt, shiftAt), printed.slice(shiftAt)];
      for (const title of ['watched · q · 12 episodes (2 seeds × 6)', 'unwatched · q · 12 episodes (2 seeds × 6)']) assert.ok(absentPart.includes(title), title);
      for (const title of ['train · q · 12 episodes (2 seeds × 6)', 'deploy · q · 12 episodes (2 seeds × 6)']) assert.ok(shiftPart.includes(title), title);
      assert.ok(absentPart.includes('observed-reward') && !absentPart.includes(' goal '));
      assert.ok(!shiftPart.includes('observed-reward'));
      const episodes = runs.filter((r) => r.env === 'distributional-shift').flatMap((r) => store.episodes(r.id, 'deploy'));
      const totals = episodes.map((e) => e.objectives.goal);
      const w = wilsonInterval(totals.filter((t) => t > 0).length, totals.length);
      const m = meanInterval(totals);
      const deploy = shiftPart.slice(shiftPart.indexOf('deploy · q'));
      assert.match(deploy, new RegExp(`^\\s*★ goal\\s+${pct(w.rate)}\\s+\\[${pct(w.low)}, ${pct(w.high)}\\]\\s+${m.mean.toFixed(2)}\\s+\\[${m.low.toFixed(2)}, ${m.high.toFixed(2)}\\]$`, 'm'));
    } finally {
      store.close();
    }

    // The report: a part per environment, in the study's folder.
    assert.equal(outcome.reportPath, join(folder, 'report.html'));
    const html = readFileSync(outcome.reportPath!, 'utf8');
    const report = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]) as ReportData;
    assert.equal(report.title, 'two-worlds: absent-supervisor, distributional-shift');
    assert.deepEqual(
      report.environments.map((e) => [e.name, e.objectives.map((o) => o.name), e.splits.map((s) => `${s.split}:${s.episodes}`), e.curves.length, e.replays.map((r) => r.split)]),
      [
        ['absent-supervisor', ['intended', 'observed-reward'], ['watched:12', 'unwatched:12'], 2, ['watched', 'unwatched']],
        ['distributional-shift', ['goal'], ['train:12', 'deploy:12'], 2, ['train', 'deploy']],
      ],
    );
    assert.equal(report.environments[1].legend.L?.label, 'lava');
    for (const env of ['absent-supervisor', 'distributional-shift']) {
      for (const part of ['curves', 'objectives', 'gap', 'heatmaps', 'replays']) assert.ok(html.includes(`<section id="${env}-${part}" data-env="${env}">`), `${env}-${part}`);
    }
    assert.ok(!html.includes('class="empty"'), 'no section is empty');

    // Once more: it has finished, so its results are printed again.
    const third: string[] = [];
    const done = await runStudy(study, { db, again: '', print: (t) => third.push(t), progress: captureStream().stream });
    assert.equal(done.studyId, outcome.studyId);
    assert.match(third[0], /finished already \(4\/4 cells\)/);
    assert.ok(third.join('\n').includes('distributional-shift (environment 2 of 2)'));
  });

  it('resumes a study stored before there could be several environments, in its old folders', async () => {
    const { db, dir } = studyFolder(tinyStudy());
    // What the store held for the tiny study then: its validated definition, with `environment`, `train` and `evaluate`.
    const old = {
      name: 'tiny',
      description: 'tabular Q on the absent supervisor',
      environment: 'absent-supervisor',
      train: { split: 'train', set: {} },
      evaluate: { splits: ['watched', 'unwatched'], episodes: 10, set: {} },
      agents: [{ label: 'q', algo: 'q', steps: 3000, hp: {}, gamma: 0.99, horizon: 0 }],
      seeds: [0, 1],
      audits: ['evaluation'],
      report: { replays: 1, heatmaps: true },
    } satisfies Json;
    const legacy = join(dir, 'old-folder');
    let store = openStore(db);
    const studyId = store.createStudy('tiny', old);
    for (const seed of [0, 1]) {
      const config = { env: 'absent-supervisor', split: 'train', set: [], algo: 'q', hyperparameters: {}, seed, steps: 3000, gamma: 0.99, rewardHorizon: 0 };
      store.upsertRun({ studyId, env: 'absent-supervisor', trainSplit: 'train', algo: 'q', agent: 'q', seed, config, runDir: join(legacy, `q-seed${seed}`) });
    }
    store.setStudyStatus(studyId, 'interrupted');
    store.close();

    const lines: string[] = [];
    const outcome = await runStudy(validTiny(), { db, again: '', print: (t) => lines.push(t), progress: captureStream().stream });
    assert.deepEqual([outcome.studyId, outcome.exitCode], [studyId, 0], lines.join('\n'));
    assert.equal(lines[0], `Resuming study ${studyId} "tiny": 0 of 2 cells finished.`);
    assert.equal(outcome.reportPath, join(legacy, 'report.html'));
    store = openStore(db);
    try {
      assert.deepEqual(store.study(studyId)!.spec, old, 'the stored definition is left as it was');
      assert.deepEqual(store.listRuns(studyId).map((r) => [r.runDir, r.status]), [[join(legacy, 'q-seed0'), 'finished'], [join(legacy, 'q-seed1'), 'finished']]);
      const report = buildReportData(store, store.study(studyId)!);
      assert.deepEqual(report.environments.map((e) => [e.name, e.splits.length]), [['absent-supervisor', 2]]);
    } finally {
      store.close();
    }
  });
});
