import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ReportData } from '../../src/report/data.js';
import { wilsonInterval, meanInterval } from '../../src/stats/interval.js';
import { openStore } from '../../src/store/store.js';
import { runStudy } from '../../src/study/runner.js';
import { captureStream, studyFolder, tinyStudy, validTiny } from './helpers.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

describe('mesalab run: a tiny study end to end', () => {
  it('trains every cell, records metrics, episodes and trajectories, prints the result and writes the report', async () => {
    const { db, dir } = studyFolder(tinyStudy());
    const study = validTiny();
    const lines: string[] = [];
    const progress = captureStream();
    const outcome = await runStudy(study, { db, again: 'mesalab run tiny', print: (t) => lines.push(t), progress: progress.stream });
    assert.equal(outcome.exitCode, 0, lines.join('\n'));
    assert.equal(outcome.status, 'finished');
    const printed = lines.join('\n');

    const store = openStore(db);
    try {
      const record = store.study(outcome.studyId)!;
      assert.deepEqual([record.name, record.status, record.cells, record.finishedCells], ['tiny', 'finished', 2, 2]);
      const runs = store.listRuns(outcome.studyId);
      assert.deepEqual(runs.map((r) => [r.agent, r.algo, r.seed, r.status, r.steps, r.runDir]), [
        ['q', 'q', 0, 'finished', 3072, join(dir, 'runs', 'studies', outcome.studyId, 'q-seed0')],
        ['q', 'q', 1, 'finished', 3072, join(dir, 'runs', 'studies', outcome.studyId, 'q-seed1')],
      ]);
      for (const run of runs) {
        const metrics = store.metrics(run.id);
        assert.equal(metrics.at(-1)!.step, 3072);
        assert.equal(metrics.length, readFileSync(join(run.runDir!, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 'one row per iteration, as metrics.jsonl');
        const [artifact] = store.artifacts(run.id);
        assert.equal(artifact.kind, 'checkpoint');
        assert.equal(artifact.sha256, createHash('sha256').update(readFileSync(join(run.runDir!, 'checkpoint.bin'))).digest('hex'));
        const episodes = store.episodes(run.id);
        assert.deepEqual(episodes.map((e) => `${e.split}:${e.oversight}`).sort(), [...Array(10).fill('unwatched:unwatched'), ...Array(10).fill('watched:watched')]);
        assert.deepEqual(store.episodes(run.id, 'watched').map((e) => e.seed), Array.from({ length: 10 }, (_, i) => 1_000_000 + i));
        for (const episode of episodes) {
          const trajectory = store.trajectory(episode.id)!;
          assert.equal(trajectory.actions.length, episode.length);
          assert.equal(trajectory.cells!.length, episode.length + 1, 'the start cell and one per step');
          // Frames only for the first episode of each split (report.replays = 1).
          assert.equal(trajectory.frames?.length, episode.seed === 1_000_000 ? episode.length + 1 : undefined);
        }
      }

      // The printed table agrees with the stored episodes.
      for (const split of ['watched', 'unwatched']) {
        const episodes = runs.flatMap((r) => store.episodes(r.id, split));
        assert.ok(printed.includes(`${split} · q · 20 episodes (2 seeds × 10)`), printed);
        for (const objective of ['intended', 'observed-reward']) {
          const totals = episodes.map((e) => e.objectives[objective]);
          const w = wilsonInterval(totals.filter((t) => t > 0).length, totals.length);
          const m = meanInterval(totals);
          const star = objective === 'intended' ? '★' : ' ';
          const row = new RegExp(`^\\s*${star} ${objective}\\s+${pct(w.rate)}\\s+\\[${pct(w.low)}, ${pct(w.high)}\\]\\s+${m.mean.toFixed(2)}\\s+\\[${m.low.toFixed(2)}, ${m.high.toFixed(2)}\\]$`, 'm');
          assert.match(printed, row);
        }
      }
    } finally {
      store.close();
    }

    // The report: one file with every section filled.
    assert.ok(outcome.reportPath !== undefined && existsSync(outcome.reportPath));
    assert.equal(outcome.reportPath, join(dir, 'runs', 'studies', outcome.studyId, 'report.html'));
    assert.ok(printed.endsWith(`Report: ${outcome.reportPath}`));
    const html = readFileSync(outcome.reportPath, 'utf8');
    for (const section of ['curves', 'objectives', 'gap', 'heatmaps', 'replays']) assert.ok(html.includes(`<section id="${section}" data-env="absent-supervisor">`), section);
    assert.ok(!html.includes('class="empty"'), 'no section is empty');
    const report = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]) as ReportData;
    assert.equal(report.study.id, outcome.studyId);
    assert.deepEqual(report.environments.map((e) => e.name), ['absent-supervisor']);
    const [data] = report.environments;
    assert.deepEqual(data.curves.map((c) => [c.agent, c.seed]), [['q', 0], ['q', 1]]);
    assert.deepEqual(data.splits.map((s) => [s.agent, s.split, s.episodes]), [['q', 'watched', 20], ['q', 'unwatched', 20]]);
    assert.deepEqual(data.heatmaps.map((h) => [h.split, h.counts.reduce((a, b) => a + b, 0)]).map(([s, n]) => [s, (n as number) > 20]), [['watched', true], ['unwatched', true]]);
    assert.deepEqual(data.replays.map((r) => [r.split, r.seed, r.frames.length === r.actions.length + 1, r.rewards.length === r.actions.length]), [['watched', 1_000_000, true, true], ['unwatched', 1_000_000, true, true]]);
    assert.equal(data.legend.A.label, 'agent');
    assert.equal(data.legend['#'].label, 'wall');
    assert.match(progress.text(), /^q seed [01]: finished · 2\/2 cells finished/m);

    // Run again: nothing is trained, the results are printed again and the report rewritten.
    const again: string[] = [];
    const second = await runStudy(study, { db, again: 'mesalab run tiny', print: (t) => again.push(t), progress: captureStream().stream });
    assert.equal(second.studyId, outcome.studyId);
    assert.match(again[0], /finished already \(2\/2 cells\)/);
    assert.ok(again.join('\n').includes(lines.find((l) => l.startsWith('What the agents pursued'))!));
    // --fresh starts a new study beside it.
    const fresh = await runStudy(validTiny({ seeds: [0] }), { db, fresh: true, again: '', print: () => undefined, progress: captureStream().stream });
    assert.notEqual(fresh.studyId, outcome.studyId);
  });

  it('runs the study\'s audits on every cell after its evaluation, stores and prints them, shows them in the report, and does not repeat them', async () => {
    const input = tinyStudy({ name: 'audited', audits: ['evaluation', 'compliance-gap'] });
    const { db } = studyFolder(input);
    const study = validTiny({ name: 'audited', audits: ['evaluation', 'compliance-gap'] });
    const lines: string[] = [];
    const outcome = await runStudy(study, { db, again: 'mesalab run audited', print: (t) => lines.push(t), progress: captureStream().stream });
    assert.equal(outcome.exitCode, 0, lines.join('\n'));
    const store = openStore(db);
    try {
      // cells run two at a time, so their audits are stored in either order
      const audits = store.audits({ studyId: outcome.studyId }).sort((a, b) => a.runId! - b.runId!);
      const runs = store.listRuns(outcome.studyId);
      assert.deepEqual(audits.map((a) => [a.kind, a.runId]), runs.map((r) => ['compliance-gap', r.id]));
      const printed = lines.join('\n');
      for (const [i, audit] of audits.entries()) {
        const result = audit.result as { audit: string; verdict: string; episodes: number; conditions: { episodesPerCondition: number } };
        assert.equal(result.audit, 'compliance-gap');
        assert.equal(result.conditions.episodesPerCondition, 10, 'as many episodes as the study evaluates');
        assert.ok(printed.includes(`q seed ${runs[i].seed} · `) && printed.includes(result.verdict), printed);
      }
      assert.match(printed, /Audit compliance-gap:/);
      // One agent, two seeds: its defections pooled over both.
      const defections = audits.reduce((sum, a) => sum + (a.result as { evidence: { defection: { unwatched: { successes: number } } } }).evidence.defection.unwatched.successes, 0);
      assert.ok(printed.includes(`compliance-gap · unwatched defection, pooled over 2 seeds: q ${defections}/20`), printed);
      const report = readFileSync(outcome.reportPath!, 'utf8');
      const data = JSON.parse(/<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(report)![1]) as ReportData;
      assert.equal(data.audits!.length, 2);
      assert.ok(report.includes('<section id="audits"'));
      // Run again: the finished study is reprinted, and no audit runs twice.
      await runStudy(study, { db, again: 'mesalab run audited', print: () => undefined, progress: captureStream().stream });
      assert.equal(store.audits({ studyId: outcome.studyId }).length, 2);
    } finally {
      store.close();
    }
  });
});
