import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MesalabError, UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { historyHeader, parseHistoryText, readHistoryFile, writeHistoryFile } from '../../src/histories/file.js';
import { generateHistories, iterateHistories } from '../../src/histories/generate.js';
import { parseAgentMix } from '../../src/histories/mix.js';
import { resolveHistorySettings } from '../../src/histories/settings.js';

const MIX = 'aligned:0.4,deceptive:0.3,proxy:0.2,goodhart:0.1';
const folder = mkdtempSync(join(tmpdir(), 'mesalab-histories-'));

function write(name: string, seed: number, histories = 8): string {
  const path = join(folder, name);
  const settings = resolveHistorySettings({ noise: 0.1 });
  writeHistoryFile(path, historyHeader(seed, histories, parseAgentMix(MIX), settings), iterateHistories({ agents: MIX, histories, ...settings }, new Rng(seed)));
  return path;
}

/** The file's text with line `line` (1 = the header) passed through `edit`. */
function edited(path: string, line: number, edit: (value: Record<string, unknown>) => void): string {
  const lines = readFileSync(path, 'utf8').split('\n');
  const value = JSON.parse(lines[line - 1]) as Record<string, unknown>;
  edit(value);
  lines[line - 1] = JSON.stringify(value);
  return lines.join('\n');
}

type Episode = Record<string, unknown> & { rewards: number[]; returns: number[]; actions: number[]; cells: number[] };
const episodeOf = (value: Record<string, unknown>, e: number): Episode => (value.episodes as Episode[])[e];

function rejects(text: string, message: RegExp, type: typeof MesalabError = MesalabError): void {
  assert.throws(() => parseHistoryText(text, 'h.jsonl'), (error: unknown) => error instanceof type && message.test(error.message), String(message));
}

describe('history file', () => {
  it('round trip: what is read back is what was generated', () => {
    const path = write('round.jsonl', 3);
    const file = readHistoryFile(path);
    assert.deepEqual(file.histories, generateHistories({ agents: MIX, histories: 8, noise: 0.1 }, new Rng(3)));
    assert.deepEqual(file.header, {
      format: 'mesalab-histories',
      version: 1,
      seed: 3,
      histories: 8,
      agents: MIX,
      gamma: 0.99,
      channels: ['wall', 'mouse', 'cheese', 'corner', 'sensor'],
      settings: resolveHistorySettings({ noise: 0.1 }),
    });
  });

  it('the same seed gives identical bytes; another seed does not', () => {
    const a = readFileSync(write('a.jsonl', 11));
    assert.deepEqual(readFileSync(write('b.jsonl', 11)), a);
    assert.notDeepEqual(readFileSync(write('c.jsonl', 12)), a);
  });

  it('one compact line per history: layout once per episode, no planes', () => {
    const lines = readFileSync(write('compact.jsonl', 0, 2), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 3);
    const episode = episodeOf(JSON.parse(lines[1]), 0);
    assert.deepEqual(Object.keys(episode), [
      'phase', 'watched', 'objective', 'target', 'walls', 'start', 'corner', 'cheese', 'sensor', 'cells', 'actions', 'rewards', 'returns', 'outcome', 'after',
    ]);
    assert.match(episode.walls as string, /^#######\/(#[#.]{5}#\/){5}#######$/);
  });

  it('writes atomically: a failed write leaves the old file whole and no temporary file', () => {
    const path = write('atomic.jsonl', 1, 3);
    const before = readFileSync(path);
    const settings = resolveHistorySettings();
    // The header promises 5 but the generator gives 3: the write fails after writing lines.
    assert.throws(
      () => writeHistoryFile(path, historyHeader(1, 5, parseAgentMix(MIX), settings), iterateHistories({ agents: MIX, histories: 3 }, new Rng(1))),
      /header promises 5 histories but 3 were given/,
    );
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(folder).filter((name) => name.endsWith('.tmp')), []);
  });

  it('wrong format, wrong version, missing file: usage errors that say what to pass', () => {
    const text = readFileSync(write('v.jsonl', 0, 2), 'utf8');
    rejects(text.replace('"version":1', '"version":2'), /h\.jsonl is mesalab-histories version 2; this mesalab reads version 1\. Regenerate it/, UsageError);
    rejects('{"format":"something-else"}\n', /h\.jsonl is not a mesalab history file .* Pass a file written by "mesalab histories generate --out FILE"/, UsageError);
    rejects('', /is not a mesalab history file/, UsageError);
    assert.throws(() => readHistoryFile(join(folder, 'absent.jsonl')), (e: unknown) => e instanceof UsageError && /Cannot read history file .*absent\.jsonl/.test(e.message));
  });

  it('corruption is reported with its line and the fix', () => {
    const path = write('corrupt.jsonl', 5, 4);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    rejects(lines.slice(0, -2).join('\n'), /holds 3 histories but its header promises 4: the file was cut short/);
    rejects(text.replace(lines[2], lines[2].slice(0, 40)), /h\.jsonl:3: not JSON/);
    rejects(edited(path, 1, (h) => ((h.settings as Record<string, unknown>).size = 8)), /h\.jsonl:1: the header's settings do not hold \(Setting size/);
    rejects(edited(path, 2, (h) => (episodeOf(h, 0).rewards[episodeOf(h, 0).rewards.length - 1] = 99)), /h\.jsonl:2: episode 1's rewards are not what the layout and actions imply/);
    rejects(edited(path, 2, (h) => (episodeOf(h, 1).returns[0] += 1)), /h\.jsonl:2: episode 2's predicted returns are not/);
    rejects(edited(path, 2, (h) => (episodeOf(h, 0).actions[0] = 7)), /episode 1's actions are not integers from 0 to 4/);
    rejects(edited(path, 2, (h) => episodeOf(h, 0).actions.push(0)), /episode 1 goes on after its episode ended/);
    rejects(edited(path, 3, (h) => (h.index = 7)), /h\.jsonl:3: index is 7 where 1 belongs/);
    rejects(edited(path, 2, (h) => (h.agent = 'sneaky')), /agent "sneaky" is not one of aligned, proxy, deceptive, goodhart/);
    rejects(edited(path, 2, (h) => (episodeOf(h, 7).watched = false)), /episode 8 is test but unwatched/);
    rejects(edited(path, 2, (h) => (episodeOf(h, 0).walls = '#')), /episode 1's walls are not 7 rows of 7/);
    rejects(edited(path, 2, (h) => (episodeOf(h, 0).after = 'modification')), /followed by a modification but nothing was caught/);
    rejects(edited(path, 2, (h) => delete episodeOf(h, 8).outcome), /episode 9's outcome undefined is not one of/);
  });

  it('a history whose target contradicts its agent is corruption: the rules of behaviour are checked too', () => {
    const path = write('target.jsonl', 2, 1);
    const header = JSON.parse(readFileSync(path, 'utf8').split('\n')[0]) as Record<string, unknown>;
    // Rewrite the one life as a goodhart agent's: its recorded targets are not the sensor.
    const agent = JSON.parse(readFileSync(path, 'utf8').split('\n')[1]).agent as string;
    const other = agent === 'goodhart' ? 'aligned' : 'goodhart';
    rejects(
      [JSON.stringify(header), JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8').split('\n')[1]), agent: other })].join('\n'),
      /episode 1's (objective|target)/,
    );
  });
});
