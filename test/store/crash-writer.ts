/**
 * The child process of crash.test.ts: writes to a fresh store until it is killed. Each batch B is K
 * metrics rows tagged `batch: B` (one transaction), then E evaluation episodes on split `batch-B`
 * with trajectories (another); the batch number goes to stdout once both are committed. A page
 * cache far smaller than a batch makes SQLite spill uncommitted pages into the write-ahead log
 * mid-transaction, so a kill can leave part of a transaction on disk, which recovery must ignore.
 * Usage: node crash-writer.js DB_PATH K E
 */
import { writeSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { openStore } from '../../src/store/store.js';
import { sampleEpisode, sampleRun } from './helpers.js';

const [path, k, e] = process.argv.slice(2);
const rowsPerBatch = Number(k);
const episodesPerBatch = Number(e);
const store = openStore(path);
(store as unknown as { db: Database.Database }).db.pragma('cache_size = 16');
const study = store.createStudy('crash', { rowsPerBatch, episodesPerBatch });
const runId = store.upsertRun(sampleRun({ studyId: study }));
store.setRunStatus(runId, 'running');
for (let batch = 0; ; batch++) {
  store.appendMetrics(
    runId,
    Array.from({ length: rowsPerBatch }, (_, i) => ({ step: batch * rowsPerBatch + i, values: { batch, i, return: Math.sin(batch + i), entropy: 1 / (i + 1) } })),
  );
  store.recordEpisodes(
    runId,
    Array.from({ length: episodesPerBatch }, (_, i) =>
      sampleEpisode(`batch-${batch}`, i, { trajectory: { actions: Array.from({ length: 64 }, (_, t) => (t + i) % 4), frames: [`frame ${batch}`, `frame ${i}`] } }),
    ),
  );
  writeSync(1, `${batch}\n`);
}
