import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Rng } from '../../src/core/rng.js';
import { openStore } from '../../src/store/store.js';
import { freshStorePath } from './helpers.js';

const WRITER = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
const ROWS_PER_BATCH = 1000;
const EPISODES_PER_BATCH = 20;

/**
 * Start the writer; once it has reported `batches` committed batches, SIGKILL it `delayMs` later
 * (wherever it then is in its next batch). Resolves with the last batch it reported.
 */
function writeUntilKilled(path: string, batches: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, String(ROWS_PER_BATCH), String(EPISODES_PER_BATCH)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let reported = -1;
    let armed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const lines = stdout.split('\n');
      stdout = lines.pop()!;
      for (const line of lines) reported = Number(line);
      if (reported + 1 >= batches && !armed) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(reported);
      else reject(new Error(`the writer exited on its own (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

describe('crash safety', () => {
  for (const seed of [1, 2, 3]) {
    it(`a writer killed with SIGKILL leaves whole batches and a sound database (seed ${seed})`, async () => {
      const rng = new Rng(seed);
      const path = freshStorePath();
      const lastReported = await writeUntilKilled(path, 3 + rng.int(20), rng.int(30));

      // SQLite's own check, on a plain connection that also replays the write-ahead log.
      const raw = new Database(path);
      assert.deepEqual(raw.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      assert.deepEqual(raw.pragma('foreign_key_check'), []);
      const metricsPerBatch = raw.prepare(`SELECT json_extract(data, '$.batch') AS batch, COUNT(*) AS n FROM metrics GROUP BY batch ORDER BY batch`).all() as Array<{ batch: number; n: number }>;
      const episodesPerBatch = raw.prepare(`SELECT split, COUNT(*) AS n, COUNT(t.episode_id) AS trajectories FROM episodes e LEFT JOIN trajectories t ON t.episode_id = e.id GROUP BY split`).all() as Array<{ split: string; n: number; trajectories: number }>;
      raw.close();

      // Every batch reported as committed is there, whole; any batch begun after is whole or absent.
      const batches = metricsPerBatch.length;
      assert.ok(batches >= lastReported + 1, `${batches} batches stored, ${lastReported + 1} reported`);
      assert.deepEqual(metricsPerBatch.map((b) => b.batch), Array.from({ length: batches }, (_, b) => b));
      for (const b of metricsPerBatch) assert.equal(b.n, ROWS_PER_BATCH, `metrics of batch ${b.batch}`);
      assert.ok(episodesPerBatch.length === batches || episodesPerBatch.length === batches - 1, `${episodesPerBatch.length} episode batches for ${batches} metrics batches`);
      for (const e of episodesPerBatch) assert.deepEqual([e.n, e.trajectories], [EPISODES_PER_BATCH, EPISODES_PER_BATCH], `episodes of ${e.split}`);

      // The store opens and takes writes again.
      const store = openStore(path);
      const [run] = store.listRuns();
      assert.equal(run.status, 'running', 'a killed writer cannot have marked its run finished');
      store.appendMetrics(run.id, [{ step: batches * ROWS_PER_BATCH, values: { batch: batches, i: 0 } }]);
      store.recordEpisodes(run.id, [{ split: 'after', seed: 0, oversight: 'none', return: 1, performance: 1, length: 1, objectives: {}, trajectory: { actions: [3] } }]);
      store.setRunStatus(run.id, 'finished', batches * ROWS_PER_BATCH + 1);
      assert.equal(store.metrics(run.id).length, batches * ROWS_PER_BATCH + 1);
      assert.equal(store.episodes(run.id, 'after').length, 1);
      assert.equal(store.run(run.id)!.status, 'finished');
      store.close();
    });
  }
});
