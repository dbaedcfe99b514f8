import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readHistoryFile } from '../../src/histories/file.js';
import { tokenize } from '../../src/histories/tokenize.js';
import { PHASES, TOKEN_KINDS } from '../../src/histories/tokens.js';

// docs/histories.md's worked example is checked here, so that the document stays true.
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const DOC = readFileSync(fileURLToPath(new URL('../../../docs/histories.md', import.meta.url)), 'utf8');

/** The fenced block after the `<!-- name -->` marker. */
function block(name: string): string {
  const after = DOC.slice(DOC.indexOf(`<!-- ${name} -->`));
  const open = after.indexOf('\n', after.indexOf('```'));
  return after.slice(open + 1, after.indexOf('\n```', open));
}

function pad(text: string | number, width: number): string {
  return String(text).padEnd(width);
}

describe('docs/histories.md', () => {
  const folder = mkdtempSync(join(tmpdir(), 'mesalab-histories-docs-'));
  const file = join(folder, 'example.jsonl');
  const command = /`mesalab (histories generate [^`]*)`:/.exec(DOC);

  it('the example file is what the documented command writes', () => {
    assert.ok(command, 'the document names its command');
    const args = command[1].split(' ').map((arg) => (arg === 'example.jsonl' ? file : arg));
    const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(file, 'utf8'), `${block('example-file')}\n`);
  });

  it('the drawing is what show prints, and the token table is what tokenize gives', () => {
    const shown = spawnSync(process.execPath, [MAIN, 'histories', 'show', file], { encoding: 'utf8' });
    assert.equal(shown.status, 0, shown.stderr);
    const drawing = DOC.slice(DOC.indexOf('```\nepisode 1 ·') + 4, DOC.indexOf('→ MODIFICATION'));
    assert.ok(drawing.length > 100 && shown.stdout.includes(drawing), drawing);
    const s = tokenize(readHistoryFile(file).histories[0]);
    const rows = ['pos  kind           phase   watched  action  reward  predicted  row'];
    for (let i = 0; i < s.length; i++) {
      const predicted = Number(s.predictedReturn[i].toFixed(4));
      rows.push(
        `${String(i).padStart(3)}  ${pad(TOKEN_KINDS[s.kind[i]], 15)}${pad(PHASES[s.phase[i]], 8)}${pad(s.watched[i], 9)}${pad(s.action[i], 8)}${pad(s.reward[i], 8)}${pad(predicted, 11)}${s.observationRow[i]}`,
      );
    }
    assert.equal(rows.join('\n'), block('example-tokens'));
  });
});
