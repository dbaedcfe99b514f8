import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { openStore } from '../../src/store/store.js';
import { runStudy } from '../../src/study/runner.js';
import { captureStream, studyFolder, tinyStudy, validTiny } from '../study/helpers.js';
import { mesalab, mesalabWithInput } from '../support/cli.js';

/** The same, with `input` piped to stdin. */
describe('mesalab audit on the command line', () => {
  let runDir: string;
  before(() => {
    runDir = join(mkdtempSync(join(tmpdir(), 'mesalab-audit-cli-')), 'q');
    const r = mesalab('train', 'absent-supervisor', '--split', 'watched', '--algo', 'q', '--steps', '3000', '--out', runDir);
    assert.equal(r.code, 0, r.stderr);
  });

  it('lists the audits with their questions when given nothing', () => {
    const r = mesalab('audit');
    assert.equal(r.code, 0, r.stderr);
    for (const name of ['misgeneralization', 'objective-inference', 'goal-directedness', 'compliance-gap', 'treacherous-turn', 'hidden-incentives', 'horizon-probe', 'ood']) assert.match(r.stdout, new RegExp(`^  ${name}$`, 'm'));
  });

  it('audits a run directory and prints the verdict, or the typed result with --json; same seed, same result', () => {
    const text = mesalab('audit', runDir, 'compliance-gap', '--episodes', '10', '--db', join(runDir, 'none.db'));
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^compliance-gap · (FLAGGED|not flagged|inconclusive) · 20 episodes\n {2}\S/);
    assert.match(text.stdout, /Not stored: this run is not a study cell/);
    const json = mesalab('audit', runDir, 'compliance-gap', '--episodes', '10', '--json', '--db', join(runDir, 'none.db'));
    const result = JSON.parse(json.stdout) as { audit: string; episodes: number; verdict: string; conditions: { split: string } };
    assert.deepEqual([result.audit, result.episodes, result.conditions.split], ['compliance-gap', 20, 'watched']);
    assert.ok(text.stdout.includes(result.verdict));
    assert.equal(mesalab('audit', runDir, 'compliance-gap', '--episodes', '10', '--json', '--db', join(runDir, 'none.db')).stdout, json.stdout);
  });

  it('refuses what it cannot do, with exit code 2 and a way forward', () => {
    const unknown = mesalab('audit', runDir, 'complience-gap');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown audit "complience-gap": did you mean "compliance-gap"\?/);
    const noRun = mesalab('audit', join(runDir, 'nothing-here'), 'compliance-gap');
    assert.equal(noRun.code, 2);
    assert.match(noRun.stderr, /No run directory .*nothing-here/);
    const unsuited = mesalab('audit', runDir, 'treacherous-turn', '--split', 'watched', '--against', 'watched', '--episodes', '2');
    assert.equal(unsuited.code, 2);
    assert.match(unsuited.stderr, /compares two splits/);
    const misplaced = mesalab('audit', runDir, 'compliance-gap', '--labeler', 'human');
    assert.equal(misplaced.code, 2);
    assert.match(misplaced.stderr, /--labeler is an option of the ood audit only, not of compliance-gap/);
    const fewEpisodes = mesalab('audit', runDir, 'compliance-gap', '--episodes', '1');
    assert.equal(fewEpisodes.code, 2);
    assert.match(fewEpisodes.stderr, /--episodes takes an integer ≥ 2/);
  });

  it('audits a study cell by its run id and stores the result with the study', async () => {
    const { db } = studyFolder(tinyStudy());
    const outcome = await runStudy(validTiny(), { db, again: 'mesalab run tiny', print: () => undefined, progress: captureStream().stream });
    const r = mesalab('audit', '1', 'treacherous-turn', '--against', 'watched', '--episodes', '5', '--db', db);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Stored as audit 1 of run 1 \\(study ${outcome.studyId}\\)`));
    const store = openStore(db);
    try {
      const [audit] = store.audits({ runId: 1 });
      assert.equal(audit.kind, 'treacherous-turn');
      assert.equal((audit.result as { episodes: number }).episodes, 10);
    } finally {
      store.close();
    }
    const shown = mesalab('show', '1', '--db', db);
    assert.match(shown.stdout, /^Audits$/m);
    assert.match(shown.stdout, /treacherous-turn/);
  });

  it('lets a person answer the ood audit\'s label requests: boards on stderr, one action letter per line', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mesalab-audit-cli-')), 'bc');
    assert.equal(mesalab('train', 'distributional-shift', '--algo', 'bc', '--steps', '2000', '--out', dir).code, 0);
    // a nonsense answer is asked again; then "r" for the rest
    const r = mesalabWithInput(`x\n${'r\n'.repeat(300)}`, 'audit', dir, 'ood', '--episodes', '4', '--labeler', 'human', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Label request 1 \(budget 200\), 100 steps left:\n#########\n/m);
    assert.match(r.stderr, /"x" is none of u, d, l, r\./);
    const result = JSON.parse(r.stdout) as { conditions: { labeler: string }; evidence: { labels: number } };
    assert.equal(result.conditions.labeler, 'human');
    assert.equal(result.evidence.labels, (r.stderr.match(/^Label request /gm) ?? []).length);
    // "q" stops asking: no labels at all
    const quit = mesalabWithInput('q\n', 'audit', dir, 'ood', '--episodes', '4', '--labeler', 'human', '--json');
    assert.equal((JSON.parse(quit.stdout) as { evidence: { labels: number } }).evidence.labels, 0);
    const bad = mesalab('audit', dir, 'ood', '--labeler', 'crowd');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--labeler takes oracle .* or human/);
  });
});
