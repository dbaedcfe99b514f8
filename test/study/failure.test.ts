import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from '../../src/store/store.js';
import { runStudy } from '../../src/study/runner.js';
import { captureStream, studyFolder, tinyStudy, validTiny } from './helpers.js';

describe('mesalab run: a cell that fails', () => {
  it('is named with its cause, exit code 1; the other cells keep their results, and running again retries only it', async () => {
    const { db } = studyFolder(tinyStudy());
    const study = validTiny();
    // Create the study and its cells without running any (as if stopped at once), to find seed 1's folder.
    const stopped = new AbortController();
    stopped.abort();
    const created = await runStudy(study, { db, again: 'mesalab run tiny', print: () => undefined, progress: captureStream().stream, signal: stopped.signal });
    assert.deepEqual([created.status, created.exitCode], ['interrupted', 130]);
    let store = openStore(db);
    const [seed0, seed1] = store.listRuns(created.studyId);
    store.close();

    // Another run's record in seed 1's folder: its worker refuses to train over it.
    mkdirSync(seed1.runDir!, { recursive: true });
    writeFileSync(join(seed1.runDir!, 'run.json'), JSON.stringify({ config: { env: 'absent-supervisor', algo: 'q', seed: 7 }, status: 'finished', steps: 10 }));
    const lines: string[] = [];
    const progress = captureStream();
    const failed = await runStudy(study, { db, again: 'mesalab run tiny', print: (t) => lines.push(t), progress: progress.stream });
    const printed = lines.join('\n');
    assert.deepEqual([failed.studyId, failed.status, failed.exitCode, failed.reportPath], [created.studyId, 'failed', 1, undefined]);
    assert.ok(
      printed.includes(
        `Cell q seed 1 (run ${seed1.id}) failed:\n  ${seed1.runDir} holds a different run than cell q seed 1 of study ${created.studyId} (its run.json differs). ` +
          'Move that folder away, or run the study with --fresh.',
      ),
      printed,
    );
    assert.match(printed, new RegExp(`Study ${created.studyId} failed after \\d+:\\d\\d: 1 cell failed, 1 finished\\. Fix the cause, then run it again to retry: mesalab run tiny$`));
    assert.ok(!printed.includes('What the agents pursued'), 'no results for a study that did not finish');
    assert.match(progress.text(), /^q seed 1: failed · [01]\/2 cells finished/m);
    store = openStore(db);
    let finishedSeed0;
    try {
      assert.equal(store.study(created.studyId)!.status, 'failed');
      const runs = store.listRuns(created.studyId);
      assert.deepEqual(runs.map((r) => [r.seed, r.status]), [[0, 'finished'], [1, 'failed']]);
      assert.equal(store.episodes(seed0.id).length, 20, 'the finished cell keeps its evaluation');
      assert.equal(store.episodes(seed1.id).length, 0);
      finishedSeed0 = runs[0];
    } finally {
      store.close();
    }

    // The cause removed, the same command resumes: only the failed cell runs, and the study finishes.
    rmSync(seed1.runDir!, { recursive: true });
    const again: string[] = [];
    const retryProgress = captureStream();
    const retried = await runStudy(study, { db, again: 'mesalab run tiny', print: (t) => again.push(t), progress: retryProgress.stream });
    assert.deepEqual([retried.studyId, retried.status, retried.exitCode], [created.studyId, 'finished', 0], again.join('\n'));
    assert.equal(again[0], `Resuming study ${created.studyId} "tiny": 1 of 2 cells finished.`);
    assert.ok(!retryProgress.text().includes('q seed 0'), retryProgress.text());
    assert.match(retryProgress.text(), /^q seed 1: finished · 2\/2 cells finished/m);
    store = openStore(db);
    try {
      assert.deepEqual(store.run(seed0.id), finishedSeed0, 'the cell that had finished is untouched');
      assert.equal(store.run(seed1.id)!.status, 'finished');
      assert.equal(store.episodes(seed1.id).length, 20);
    } finally {
      store.close();
    }
  });
});
