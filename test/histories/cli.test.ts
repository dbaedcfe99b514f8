import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { itRejectsBadInput, mesalab } from '../support/cli.js';

const MIX = 'aligned:0.4,deceptive:0.3,proxy:0.2,goodhart:0.1';
const folder = mkdtempSync(join(tmpdir(), 'mesalab-histories-cli-'));

describe('mesalab histories', () => {
  const file = join(folder, 'h.jsonl');

  it('generate writes the file and says what it wrote; the same seed gives the same bytes', () => {
    const r = mesalab('histories', 'generate', '--agents', MIX, '--histories', '20', '--out', file, '--seed', '4');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^wrote 20 histories to .*h\.jsonl \(seed 4\): aligned \d+, deceptive \d+, proxy \d+, goodhart \d+; tokens per history mean \d+\.\d, max \d+\n$/);
    const again = join(folder, 'again.jsonl');
    assert.equal(mesalab('histories', 'generate', '--agents', MIX, '--histories', '20', '--out', again, '--seed', '4').code, 0);
    assert.deepEqual(readFileSync(again), readFileSync(file));
    assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, 21);
  });

  it('show renders one history: every episode with phase, oversight, maze, actions, rewards, predictions, events', () => {
    const r = mesalab('histories', 'show', file, '--index', '2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^.*h\.jsonl: 20 histories of aligned:0\.4,deceptive:0\.3,proxy:0\.2,goodhart:0\.1 · seed 4 · size 7 · horizon 21/);
    assert.match(r.stdout, /^history 2 · (aligned|proxy|deceptive|goodhart) agent · true objective/m);
    assert.equal((r.stdout.match(/^episode \d+ · /gm) ?? []).length, 11);
    assert.equal((r.stdout.match(/^episode \d+ · train · (un)?watched/gm) ?? []).length, 6);
    assert.equal((r.stdout.match(/^episode \d+ · deploy · unwatched/gm) ?? []).length, 3);
    assert.equal((r.stdout.match(/^ {2}→ (update|MODIFICATION)/gm) ?? []).length, 6);
    assert.equal((r.stdout.match(/^ {2}predicted {2}[\d. ]+$/gm) ?? []).length, 11);
    assert.equal((r.stdout.match(/^ {2}#######$/gm) ?? []).length, 22);
    assert.equal(mesalab('histories', 'show', file).code, 0, 'the index defaults to 0');
  });

  it('size, noise and episode counts reach the file; --opportunistic too', () => {
    const small = join(folder, 'small.jsonl');
    const r = mesalab('histories', 'generate', '--agents', 'deceptive:1', '--histories', '3', '--out', small, '--size', '5', '--noise', '0', '--train-episodes', '2', '--test-episodes', '0', '--deploy-episodes', '1', '--opportunistic', '--watched', '0.5', '--fix-rate', '1', '--apart', '0.6', '--horizon', '9');
    assert.equal(r.code, 0, r.stderr);
    const header = JSON.parse(readFileSync(small, 'utf8').split('\n')[0]);
    assert.deepEqual(header.settings, { size: 5, horizon: 9, noise: 0, apart: 0.6, watchedFraction: 0.5, fixRate: 1, opportunistic: true, trainEpisodes: 2, testEpisodes: 0, deployEpisodes: 1 });
    const shown = mesalab('histories', 'show', small, '--index', '1');
    assert.equal((shown.stdout.match(/^episode \d+ · /gm) ?? []).length, 3);
    assert.equal((shown.stdout.match(/^ {2}#####$/gm) ?? []).length, 6);
  });

  const errors: Array<[string[], RegExp]> = [
    [['histories'], /histories needs a subcommand, generate or show/],
    [['histories', 'generat'], /Unknown histories subcommand "generat": did you mean "generate"\?/],
    [['histories', 'generate', '--agents', 'aligned:1,deceptve:1', '--histories', '2', '--out', 'x.jsonl'], /Unknown agent type "deceptve": did you mean "deceptive"\?/],
    [['histories', 'generate', '--agents', 'aligned:0', '--histories', '2', '--out', 'x.jsonl'], /weight of aligned must be a positive number/],
    [['histories', 'generate', '--histories', '2', '--out', 'x.jsonl'], /histories generate needs --agents/],
    [['histories', 'generate', '--agents', 'aligned:1', '--out', 'x.jsonl'], /histories generate needs --histories/],
    [['histories', 'generate', '--agents', 'aligned:1', '--histories', '2'], /histories generate needs --out/],
    [['histories', 'generate', '--agents', 'aligned:1', '--histories', '0', '--out', 'x.jsonl'], /--histories takes an integer ≥ 1; got "0"/],
    [['histories', 'generate', '--agents', 'aligned:1', '--histories', '2', '--out', 'x.jsonl', '--size', '8'], /Setting size \(--size\) takes an odd integer from 5 to 11; got 8/],
    [['histories', 'generate', '--agents', 'aligned:1', '--histories', '2', '--out', 'x.jsonl', '--noise', 'lots'], /--noise takes a probability from 0 to 1; got "lots"/],
    [['histories', 'generate', '--agents', 'aligned:1', '--histories', '2', '--out', 'x.jsonl', '--apart', '1.5'], /Setting apart \(--apart\) takes a probability/],
    [['histories', 'generate', '--agents', 'aligned:1', '--histories', '2', '--out', 'x.jsonl', '--sead', '3'], /Unknown option --sead: did you mean --seed\?/],
    [['histories', 'show'], /histories show needs a file/],
    [['histories', 'show', '/nonexistent/h.jsonl'], /Cannot read history file \/nonexistent\/h\.jsonl/],
  ];
  itRejectsBadInput(errors);

  it('show: an index past the end is a usage error; a corrupt file exits 1 with its line', () => {
    const past = mesalab('histories', 'show', file, '--index', '20');
    assert.equal(past.code, 2);
    assert.match(past.stderr, /holds 20 histories, numbered 0 to 19; got --index 20/);
    const corrupt = join(folder, 'corrupt.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[3] = lines[3].replace('"watched":true', '"watched":"yes"');
    writeFileSync(corrupt, lines.join('\n'));
    const r = mesalab('histories', 'show', corrupt);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /corrupt\.jsonl:4: episode \d+'s watched is not true or false: the file is corrupt or was edited; regenerate it/);
  });

  it('--help lists the options; the program help lists the command', () => {
    const r = mesalab('histories', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: mesalab histories generate\|show/);
    assert.match(r.stdout, /--fix-rate X/);
    assert.match(mesalab('--help').stdout, /histories generate\|show/);
  });
});
