import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { collectTables, exportTables, toCsv } from '../../src/store/export.js';
import { openStore, type Store } from '../../src/store/store.js';
import { csvObjects, freshStorePath, parseCsv, sampleEpisode, sampleRun } from './helpers.js';

/** A study of two cells whose metrics and objectives differ, with awkward text, and a run outside it. */
function fixture(): { store: Store; study: string; first: number; second: number; loose: number } {
  const store = openStore(freshStorePath());
  const study = store.createStudy('export, "quoted"', { agents: ['a', 'b'] });
  const first = store.upsertRun(sampleRun({ studyId: study, agent: 'ppo, "myopic"\nv2', config: { note: 'a,b "c"\r\nd' } }));
  const second = store.upsertRun(sampleRun({ studyId: study, agent: '12', env: 'maze', seed: 1 }));
  const loose = store.upsertRun(sampleRun({ agent: 'loose' }));
  store.appendMetrics(first, [{ step: 100, values: { return: 1.5, entropy: 0.25 } }, { step: 200, values: { return: 2, entropy: null } }]);
  store.appendMetrics(second, [{ step: 50, values: { return: -3, 'weight intended': 0.75 } }]);
  store.appendMetrics(loose, [{ step: 1, values: { return: 99 } }]);
  store.recordEpisodes(first, [sampleEpisode('watched', 1), sampleEpisode('unwatched', 2)]);
  store.recordEpisodes(second, [{ split: 'deploy', seed: 3, oversight: 'none', return: 10, performance: 5, length: 20, objectives: { cheese: 5, 'top-right-corner': 10 } }]);
  store.recordAudit({ studyId: study, runId: first, kind: 'probe', result: { text: 'line one\nline "two", three', p: 0.5 } });
  store.setRunStatus(first, 'finished', 200);
  return { store, study, first, second, loose };
}

describe('export', () => {
  it('flattens metrics to one column per key and objectives to objective_NAME columns', () => {
    const { store, study, first, second } = fixture();
    const tables = collectTables(store, study);
    assert.deepEqual(tables.runs.map((r) => r.id), [first, second]);
    assert.deepEqual(tables.metrics, [
      { run_id: first, step: 100, return: 1.5, entropy: 0.25, 'weight intended': null },
      { run_id: first, step: 200, return: 2, entropy: null, 'weight intended': null },
      { run_id: second, step: 50, return: -3, entropy: null, 'weight intended': 0.75 },
    ]);
    assert.deepEqual(Object.keys(tables.episodes[0]), [
      'id', 'run_id', 'env', 'split', 'seed', 'oversight', 'return', 'performance', 'length',
      'objective_intended', 'objective_observed-reward', 'objective_cheese', 'objective_top-right-corner',
    ]);
    assert.deepEqual(tables.episodes.map((e) => [e.run_id, e.env, e.split, e.objective_intended, e.objective_cheese]), [
      [first, 'absent-supervisor', 'unwatched', 17, null],
      [first, 'absent-supervisor', 'watched', 41, null],
      [second, 'maze', 'deploy', null, 5],
    ]);
    store.close();
  });

  it('CSV parses back to the same rows: strings quoted (quotes doubled, commas and line breaks kept), numbers bare, nulls empty', () => {
    const { store, study, first, second } = fixture();
    const files = exportTables(store, study, 'csv');
    assert.deepEqual(files.map((f) => f.name), ['runs.csv', 'metrics.csv', 'episodes.csv', 'audits.csv']);
    const text = Object.fromEntries(files.map((f) => [f.name, f.content]));
    // parseCsv accepts only CRLF between rows, and a line feed only inside a quoted cell.
    for (const f of files) assert.ok(f.content.endsWith('\r\n'), f.name);

    const runs = csvObjects(text['runs.csv']);
    assert.equal(runs.length, 2);
    assert.equal(runs[0].id, first);
    assert.equal(runs[0].agent, 'ppo, "myopic"\nv2');
    assert.equal(runs[0].status, 'finished');
    assert.equal(runs[0].steps, 200);
    assert.equal(runs[0].run_dir, null);
    assert.deepEqual(JSON.parse(String(runs[0].config)), { note: 'a,b "c"\r\nd' });
    assert.equal(runs[1].agent, '12', 'a label that looks like a number stays text');
    assert.equal(runs[1].id, second);

    assert.deepEqual(csvObjects(text['metrics.csv']), collectTables(store, study).metrics);
    assert.deepEqual(csvObjects(text['episodes.csv']), collectTables(store, study).episodes);
    const [audit] = csvObjects(text['audits.csv']);
    assert.deepEqual(JSON.parse(String(audit.result)), { text: 'line one\nline "two", three', p: 0.5 });
    assert.equal(audit.run_id, first);
    assert.ok(text['metrics.csv'].startsWith('"run_id","step","return","entropy","weight intended"\r\n1,100,1.5,0.25,\r\n'));
    store.close();
  });

  it('JSON is an object of arrays of row objects', () => {
    const { store, study } = fixture();
    const [file] = exportTables(store, study, 'json');
    assert.equal(file.name, `${study}.json`);
    const parsed = JSON.parse(file.content);
    assert.deepEqual(Object.keys(parsed), ['runs', 'metrics', 'episodes', 'audits']);
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(collectTables(store, study))));
    assert.deepEqual(parsed.runs[0].config, { note: 'a,b "c"\r\nd' }, 'JSON columns stay objects');
    assert.deepEqual(parsed.audits[0].result, { text: 'line one\nline "two", three', p: 0.5 });
    store.close();
  });

  it('a run id exports that run alone; its empty tables keep their headers', () => {
    const { store, loose } = fixture();
    const files = Object.fromEntries(exportTables(store, String(loose), 'csv').map((f) => [f.name, f.content]));
    assert.deepEqual(csvObjects(files['runs.csv']).map((r) => r.agent), ['loose']);
    assert.deepEqual(csvObjects(files['metrics.csv']), [{ run_id: loose, step: 1, return: 99 }]);
    assert.deepEqual(parseCsv(files['episodes.csv']), [['id', 'run_id', 'env', 'split', 'seed', 'oversight', 'return', 'performance', 'length']]);
    assert.deepEqual(parseCsv(files['audits.csv']), [['id', 'study_id', 'run_id', 'kind', 'created_at', 'result']]);
    store.close();
  });

  it('an unknown id is a usage error that says how to list the ids', () => {
    const { store, study } = fixture();
    assert.throws(() => exportTables(store, 'st-nope', 'csv'), (e: unknown) => e instanceof UsageError && /No study or run "st-nope" in .*Run "mesalab runs" to list the ids\./.test(e.message));
    const typo = `${study.slice(0, -1)}${study.endsWith('0') ? '1' : '0'}`;
    assert.throws(() => exportTables(store, typo, 'json'), new RegExp(`did you mean "${study}"\\?`));
    store.close();
  });

  it('toCsv writes non-finite numbers as empty cells and booleans bare', () => {
    assert.equal(toCsv([{ a: NaN, b: true, c: 'x' }], ['a', 'b', 'c']), '"a","b","c"\r\n,true,"x"\r\n');
  });
});
