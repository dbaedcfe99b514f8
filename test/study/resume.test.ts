import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../../src/store/store.js';
import type { Run } from '../../src/store/types.js';
import { readRunRecord } from '../../src/train/run.js';
import { MAIN, studyFolder, tinyStudy } from './helpers.js';

/** Start `mesalab run FILE` in its own process group (as a terminal would), one cell at a time. */
function start(file: string, db: string) {
  const child = spawn(process.execPath, [MAIN, 'run', file, '--db', db, '--workers', '1'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

/** Poll until `ready` holds (checked against the store, which the study writes meanwhile). */
async function until<T>(db: string, ready: (runs: Run[]) => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(db)) {
      const store = openStore(db);
      try {
        const found = ready(store.listRuns());
        if (found !== undefined) return found;
      } finally {
        store.close();
      }
    }
    await sleep(20);
  }
  throw new Error('timed out waiting for the study');
}

function runAgain(file: string, db: string) {
  const r = spawnSync(process.execPath, [MAIN, 'run', file, '--db', db, '--workers', '1'], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mesalab run: a stopped study resumes', () => {
  it('killed (SIGKILL, runner and cells) after its first cell, it skips that cell when run again and finishes', async () => {
    // A quick cell, then a slow one that is still training when the kill comes.
    const study = tinyStudy({ agents: [{ label: 'quick', algo: 'q', steps: 3000 }, { label: 'slow', algo: 'q', steps: 3_000_000 }], seeds: [0] });
    const { file, db } = studyFolder(study);
    const first = start(file, db);
    const quick = await until(db, (runs) => runs.find((r) => r.agent === 'quick' && r.status === 'finished'));
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;

    const again = runAgain(file, db);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Resuming study st-[0-9a-f]{8} "tiny": 1 of 2 cells finished\.$/m);
    assert.ok(!again.stderr.includes('quick seed 0'), 'the finished cell did not run again');
    const store = openStore(db);
    try {
      const runs = store.listRuns();
      assert.equal(runs.length, 2);
      assert.deepEqual(runs.find((r) => r.agent === 'quick'), quick, 'the finished cell is untouched: same run id, steps and times');
      assert.deepEqual(runs.map((r) => [r.agent, r.status]), [['quick', 'finished'], ['slow', 'finished']]);
      const [record] = store.listStudies();
      assert.deepEqual([record.status, record.finishedCells], ['finished', 2]);
      assert.equal(store.episodes(runs[1].id).length, 20);
    } finally {
      store.close();
    }
  });

  it('stopped with Ctrl-C, it saves a checkpoint, says how to resume, and continues from the checkpoint', async () => {
    // Tabular Q runs 2 to 6 million steps a second here: 6 million take long enough to be stopped midway.
    const study = tinyStudy({ agents: [{ label: 'slow', algo: 'q', steps: 6_000_000 }], seeds: [0] });
    const { file, db } = studyFolder(study);
    const first = start(file, db);
    while (!/slow seed 0: \d+% /.test(first.err())) {
      await sleep(20);
      assert.equal(first.child.exitCode, null, first.err());
    }
    process.kill(-first.child.pid!, 'SIGINT');
    assert.equal(await first.exited, 130, first.err());
    assert.match(first.out(), /Study (st-[0-9a-f]{8}) stopped after .* with 0 of 1 cells finished; the others continue from their checkpoints\.\nResume with: mesalab run .*study\.json --db .*mesalab\.db$/m);
    const store = openStore(db);
    let stoppedAt: number;
    try {
      const [run] = store.listRuns();
      assert.equal(store.listStudies()[0].status, 'interrupted');
      assert.equal(run.status, 'pending');
      stoppedAt = readRunRecord(run.runDir!).steps;
      assert.ok(stoppedAt > 0 && stoppedAt < 6_000_000 && existsSync(join(run.runDir!, 'checkpoint.bin')), `checkpoint at ${stoppedAt}`);
    } finally {
      store.close();
    }

    const again = runAgain(file, db);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.stderr.includes(`slow seed 0: resuming at ${stoppedAt.toLocaleString('en')} of 6,000,000 steps`), again.stderr);
    assert.match(again.stdout, /Study st-[0-9a-f]{8} finished: 1 cells/);
  });
});
