import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MesalabError, UsageError } from '../../src/core/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { DEFAULT_STORE_PATH, openStore, storePath } from '../../src/store/store.js';
import { freshStorePath, sampleEpisode, sampleRun } from './helpers.js';

const pragma = (path: string, name: string): unknown => {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
};

describe('opening the run store', () => {
  it('creates its folder and file, in WAL mode at the current schema version', () => {
    const path = freshStorePath();
    const store = openStore(path);
    const db = (store as unknown as { db: Database.Database }).db;
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('synchronous', { simple: true }), 1, 'NORMAL');
    assert.equal(db.pragma('busy_timeout', { simple: true }), 10_000);
    store.close();
    assert.ok(existsSync(path));
    assert.equal(pragma(path, 'user_version'), SCHEMA_VERSION);
    assert.equal(SCHEMA_VERSION, 3);
  });

  it('takes its path from the argument, else MESALAB_DB, else mesalab-runs/mesalab.db', () => {
    const saved = process.env.MESALAB_DB;
    try {
      delete process.env.MESALAB_DB;
      assert.equal(storePath(), DEFAULT_STORE_PATH);
      assert.equal(DEFAULT_STORE_PATH, join('mesalab-runs', 'mesalab.db'));
      process.env.MESALAB_DB = '/tmp/elsewhere.db';
      assert.equal(storePath(), '/tmp/elsewhere.db');
      assert.equal(storePath('/tmp/given.db'), '/tmp/given.db');
      const path = freshStorePath();
      process.env.MESALAB_DB = path;
      openStore().close();
      assert.ok(existsSync(path));
    } finally {
      if (saved === undefined) delete process.env.MESALAB_DB;
      else process.env.MESALAB_DB = saved;
    }
  });

  it('brings a version-0 (empty) database up to date', () => {
    const path = freshStorePath();
    mkdirSync(join(path, '..'), { recursive: true });
    new Database(path).close();
    assert.equal(pragma(path, 'user_version'), 0);
    const store = openStore(path);
    assert.equal(store.listStudies().length, 0);
    store.close();
    assert.equal(pragma(path, 'user_version'), SCHEMA_VERSION);
  });

  it('migrates a version-1 store, keeping its studies, runs and metrics', () => {
    const path = freshStorePath();
    mkdirSync(join(path, '..'), { recursive: true });
    // The store as mesalab wrote it at version 1, by hand: studies, runs and metrics only.
    const old = new Database(path);
    old.exec(MIGRATIONS[0].sql);
    old.pragma('user_version = 1');
    old.prepare(`INSERT INTO studies VALUES ('st-00000001', 'old study', '{"seeds":[0]}', 'finished', '2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z')`).run();
    old.prepare(`INSERT INTO runs (study_id, env, train_split, algo, agent, seed, config, status, steps, created_at) VALUES ('st-00000001', 'maze', 'train', 'ppo', 'ppo', 0, '{}', 'finished', 5000, '2024-01-01T00:00:00.000Z')`).run();
    old.prepare(`INSERT INTO metrics VALUES (1, 5000, '{"return":3.5}')`).run();
    old.close();
    assert.equal(pragma(path, 'user_version'), 1);

    const store = openStore(path);
    assert.equal(pragma(path, 'user_version'), SCHEMA_VERSION);
    assert.deepEqual(store.listStudies().map((s) => [s.id, s.name, s.status, s.cells, s.finishedCells]), [['st-00000001', 'old study', 'finished', 1, 1]]);
    assert.deepEqual(store.metrics(1), [{ step: 5000, values: { return: 3.5 } }]);
    // The tables of versions 2 and 3 are there and work.
    const [episodeId] = store.recordEpisodes(1, [sampleEpisode('deploy', 7, { trajectory: { actions: [1, 2] } })]);
    assert.deepEqual(Array.from(store.trajectory(episodeId)!.actions), [1, 2]);
    store.recordAudit({ studyId: 'st-00000001', runId: 1, kind: 'probe', result: { ok: true } });
    assert.equal(store.audits({ studyId: 'st-00000001' }).length, 1);
    store.close();
  });

  it('refuses a store from a newer mesalab, saying which versions', () => {
    const path = freshStorePath();
    openStore(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 4}`);
    db.close();
    assert.throws(
      () => openStore(path),
      (error: unknown) =>
        error instanceof MesalabError &&
        error.message.includes(path) &&
        error.message.includes(`schema version ${SCHEMA_VERSION + 4}`) &&
        error.message.includes(`knows versions up to ${SCHEMA_VERSION}`),
    );
  });

  it('refuses a file that is not a SQLite database, naming it and saying how to fix it', () => {
    const path = freshStorePath();
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, Buffer.from('this is not a database, just some bytes: \x00\x01\x02\xff'.repeat(64), 'latin1'));
    assert.throws(
      () => openStore(path),
      (error: unknown) => error instanceof MesalabError && error.message.includes(path) && /Move that file away, or set MESALAB_DB/.test(error.message),
    );
  });

  it('leaves alone a SQLite database that is someone else\'s', () => {
    const path = freshStorePath();
    mkdirSync(join(path, '..'), { recursive: true });
    const db = new Database(path);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    db.close();
    assert.throws(() => openStore(path), /is a SQLite database but not a mesalab run store \(it holds tables invoices\)/);
    assert.equal(pragma(path, 'user_version'), 0);
  });

  it('a reading command does not create a store', () => {
    const path = freshStorePath();
    assert.throws(() => openStore(path, { mustExist: true }), (error: unknown) => error instanceof UsageError && error.message.includes(`No run store at ${path}`));
    assert.equal(existsSync(path), false);
  });
});

describe('the Store', () => {
  it('creates studies with short readable ids, distinct for identical studies', () => {
    const store = openStore(freshStorePath());
    const a = store.createStudy('myopia', { agents: ['q'], seeds: [0, 1] });
    const b = store.createStudy('myopia', { agents: ['q'], seeds: [0, 1] });
    assert.match(a, /^st-[0-9a-f]{8}$/);
    assert.match(b, /^st-[0-9a-f]{8}$/);
    assert.notEqual(a, b);
    const study = store.study(a)!;
    assert.deepEqual(study.spec, { agents: ['q'], seeds: [0, 1] });
    assert.equal(study.status, 'running');
    assert.equal(study.finishedAt, null);
    store.setStudyStatus(a, 'finished');
    assert.equal(store.study(a)!.status, 'finished');
    assert.ok(store.study(a)!.finishedAt !== null);
    assert.throws(() => store.setStudyStatus('st-nothere', 'failed'), /No study "st-nothere"/);
    store.close();
  });

  it('upsertRun is idempotent by (study, agent, env, seed), inside a study and outside one', () => {
    const store = openStore(freshStorePath());
    const study = store.createStudy('s', {});
    const first = store.upsertRun(sampleRun({ studyId: study }));
    assert.equal(store.upsertRun(sampleRun({ studyId: study, config: { changed: true } })), first);
    assert.deepEqual(store.run(first)!.config, sampleRun().config, 'the stored run is left as it was');
    const otherSeed = store.upsertRun(sampleRun({ studyId: study, seed: 1 }));
    const otherAgent = store.upsertRun(sampleRun({ studyId: study, agent: 'dqn-myopic' }));
    const loose = store.upsertRun(sampleRun());
    assert.equal(store.upsertRun(sampleRun()), loose, 'a run outside a study is found again too');
    assert.equal(new Set([first, otherSeed, otherAgent, loose]).size, 4);
    assert.deepEqual(store.listRuns(study).map((r) => r.id), [first, otherSeed, otherAgent]);
    assert.deepEqual(store.listRuns(null).map((r) => r.id), [loose]);
    assert.equal(store.listRuns().length, 4);
    assert.equal(store.listStudies()[0].cells, 3);
    assert.throws(() => store.upsertRun(sampleRun({ studyId: 'st-missing' })), /No study "st-missing"/);
    store.close();
  });

  it('setRunStatus records progress and the end', () => {
    const store = openStore(freshStorePath());
    const id = store.upsertRun(sampleRun());
    assert.equal(store.run(id)!.status, 'pending');
    store.setRunStatus(id, 'running', 2048);
    assert.deepEqual([store.run(id)!.status, store.run(id)!.steps, store.run(id)!.finishedAt], ['running', 2048, null]);
    store.setRunStatus(id, 'finished');
    assert.deepEqual([store.run(id)!.status, store.run(id)!.steps], ['finished', 2048]);
    assert.ok(store.run(id)!.finishedAt !== null);
    assert.throws(() => store.setRunStatus(999, 'failed'), /No run 999/);
    store.close();
  });

  it('appendMetrics replaces a step stored before, so a resumed run does not duplicate rows', () => {
    const store = openStore(freshStorePath());
    const id = store.upsertRun(sampleRun());
    store.appendMetrics(id, [1, 2, 3].map((i) => ({ step: i * 100, values: { return: i, entropy: NaN } })));
    // Resumed from the checkpoint at step 200: steps 300 and 400 are logged again.
    store.appendMetrics(id, [3, 4].map((i) => ({ step: i * 100, values: { return: i * 10, entropy: 0.5 } })));
    assert.deepEqual(store.metrics(id), [
      { step: 100, values: { return: 1, entropy: null } },
      { step: 200, values: { return: 2, entropy: null } },
      { step: 300, values: { return: 30, entropy: 0.5 } },
      { step: 400, values: { return: 40, entropy: 0.5 } },
    ]);
    assert.deepEqual(store.lastMetrics(id), { step: 400, values: { return: 40, entropy: 0.5 } });
    assert.throws(() => store.appendMetrics(12345, [{ step: 1, values: {} }]), /No run 12345/);
    store.close();
  });

  it('records episodes per split, replaces one recorded again, and summarises each split', () => {
    const store = openStore(freshStorePath());
    const id = store.upsertRun(sampleRun());
    const ids = store.recordEpisodes(id, [sampleEpisode('watched', 1), sampleEpisode('unwatched', 1), sampleEpisode('unwatched', 2, { return: 45, length: 5 })]);
    assert.equal(ids.length, 3);
    const again = store.recordEpisodes(id, [sampleEpisode('unwatched', 2)]);
    assert.deepEqual(again, [ids[2]], 'the same episode keeps its id');
    assert.deepEqual(store.episodes(id, 'unwatched').map((e) => [e.seed, e.return, e.length, e.objectives]), [
      [1, 47, 3, { intended: 17, 'observed-reward': 47 }],
      [2, 47, 3, { intended: 17, 'observed-reward': 47 }],
    ]);
    assert.equal(store.episodes(id).length, 3);
    assert.deepEqual(store.splitSummaries(id), [
      { split: 'unwatched', episodes: 2, return: 47, performance: 17, length: 3 },
      { split: 'watched', episodes: 1, return: 41, performance: 41, length: 9 },
    ]);
    store.close();
  });

  it('a trajectory goes through compression and comes back exactly', () => {
    const store = openStore(freshStorePath());
    const id = store.upsertRun(sampleRun());
    const actions = Array.from({ length: 500 }, (_, t) => (t * 7) % 5);
    const frames = Array.from({ length: 501 }, (_, t) => `#####\n#A ,G#\n# "é" #\n#####\nstep ${t}`);
    const cells = Array.from({ length: 501 }, (_, t) => (t % 3 === 0 ? -1 : t * 1000));
    const [withAll, actionsOnly] = store.recordEpisodes(id, [
      sampleEpisode('unwatched', 1, { trajectory: { actions, frames, cells } }),
      sampleEpisode('unwatched', 2, { trajectory: { actions: new Uint8Array([0, 255]) } }),
      sampleEpisode('unwatched', 3),
    ]);
    const back = store.trajectory(withAll)!;
    assert.deepEqual(Array.from(back.actions), actions);
    assert.ok(back.actions instanceof Uint8Array);
    assert.deepEqual(back.frames, frames);
    assert.deepEqual(Array.from(back.cells!), cells);
    assert.ok(back.cells instanceof Int32Array);
    assert.deepEqual(store.trajectory(actionsOnly), { episodeId: actionsOnly, actions: new Uint8Array([0, 255]), frames: null, cells: null });
    assert.equal(store.trajectory(withAll + 2), undefined, 'an episode recorded without one has none');
    const db = (store as unknown as { db: Database.Database }).db;
    const stored = db.prepare('SELECT length(frames) AS bytes FROM trajectories WHERE episode_id = ?').get(withAll) as { bytes: number };
    assert.ok(stored.bytes < JSON.stringify(frames).length / 5, `frames deflate: ${stored.bytes} bytes`);
    // Recording the episode again without a trajectory drops the old one.
    store.recordEpisodes(id, [sampleEpisode('unwatched', 1)]);
    assert.equal(store.trajectory(withAll), undefined);
    assert.throws(() => store.recordEpisodes(id, [sampleEpisode('x', 9, { trajectory: { actions: [256] } })]), /actions are stored as bytes/);
    store.close();
  });

  it('a batch of episodes is one transaction: a bad episode leaves none of its batch', () => {
    const store = openStore(freshStorePath());
    const id = store.upsertRun(sampleRun());
    assert.throws(() => store.recordEpisodes(id, [sampleEpisode('deploy', 1), sampleEpisode('deploy', 2, { trajectory: { actions: [-1] } })]));
    assert.deepEqual(store.episodes(id), []);
    store.close();
  });

  it('records audits and artifacts, hashing the artifact file', () => {
    const path = freshStorePath();
    const store = openStore(path);
    const study = store.createStudy('s', {});
    const id = store.upsertRun(sampleRun({ studyId: study }));
    const a = store.recordAudit({ studyId: study, kind: 'behavioural-probe', result: { watchedGap: 30, p: 0.001 } });
    const b = store.recordAudit({ studyId: study, runId: id, kind: 'objective-fit', result: { weights: [1, 0] } });
    assert.deepEqual(store.audits({ studyId: study }).map((x) => [x.id, x.kind, x.runId, x.result]), [
      [a, 'behavioural-probe', null, { watchedGap: 30, p: 0.001 }],
      [b, 'objective-fit', id, { weights: [1, 0] }],
    ]);
    assert.deepEqual(store.audits({ runId: id }).map((x) => x.id), [b]);
    const file = join(path, '..', 'checkpoint.bin');
    writeFileSync(file, 'abc');
    store.recordArtifact({ runId: id, kind: 'checkpoint', path: file });
    assert.deepEqual(store.artifacts(id).map((x) => [x.kind, x.path, x.bytes, x.sha256]), [
      ['checkpoint', file, 3, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ]);
    store.close();
  });

  it('finds a study or a run by the id typed on the command line', () => {
    const store = openStore(freshStorePath());
    const study = store.createStudy('s', {});
    const id = store.upsertRun(sampleRun({ studyId: study }));
    assert.equal(store.find(study)?.kind, 'study');
    assert.equal(store.find(String(id))?.kind, 'run');
    assert.equal(store.find('999'), undefined);
    assert.equal(store.find('st-00000000'), undefined);
    store.close();
  });

  it('deleting a study deletes its runs and everything under them', () => {
    const store = openStore(freshStorePath());
    const study = store.createStudy('s', {});
    const id = store.upsertRun(sampleRun({ studyId: study }));
    store.appendMetrics(id, [{ step: 1, values: { return: 0 } }]);
    const [episode] = store.recordEpisodes(id, [sampleEpisode('deploy', 1, { trajectory: { actions: [0] } })]);
    store.recordAudit({ studyId: study, runId: id, kind: 'k', result: null });
    const db = (store as unknown as { db: Database.Database }).db;
    db.prepare('DELETE FROM studies WHERE id = ?').run(study);
    for (const table of ['runs', 'metrics', 'episodes', 'trajectories', 'audits']) {
      assert.equal(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get(), 0, table);
    }
    assert.equal(store.trajectory(episode), undefined);
    store.close();
  });
});
