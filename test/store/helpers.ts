/** Shared pieces of the run-store tests: fresh store paths, sample records, and an RFC 4180 reader. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeInput, RunInput } from '../../src/store/types.js';

/** A path for a store that does not exist yet, in a fresh temporary folder. */
export const freshStorePath = (): string => join(mkdtempSync(join(tmpdir(), 'mesalab-store-')), 'runs', 'mesalab.db');

export const sampleRun = (overrides: Partial<RunInput> = {}): RunInput => ({
  env: 'absent-supervisor',
  trainSplit: 'train',
  algo: 'dqn',
  agent: 'dqn-far-sighted',
  seed: 0,
  config: { hyperparameters: { lr: 0.0005, envs: 8 }, myopia: { gamma: 0.99, rewardHorizon: 0 }, budget: 40000 },
  ...overrides,
});

export const sampleEpisode = (split: string, seed: number, overrides: Partial<EpisodeInput> = {}): EpisodeInput => ({
  split,
  seed,
  oversight: split === 'watched' ? 'watched' : 'unwatched',
  return: split === 'watched' ? 41 : 47,
  performance: split === 'watched' ? 41 : 17,
  length: split === 'watched' ? 9 : 3,
  objectives: split === 'watched' ? { intended: 41, 'observed-reward': 41 } : { intended: 17, 'observed-reward': 47 },
  ...overrides,
});

/**
 * Parse RFC 4180 text into rows of cells: a quoted cell is a string (quotes undoubled, commas and
 * line breaks kept), a bare cell a number, true/false, or null when empty.
 */
export function parseCsv(text: string): Array<Array<string | number | boolean | null>> {
  const rows: Array<Array<string | number | boolean | null>> = [];
  let row: Array<string | number | boolean | null> = [];
  let i = 0;
  const bare = (raw: string) => (raw === '' ? null : raw === 'true' ? true : raw === 'false' ? false : Number(raw));
  while (i < text.length) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted cell');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      row.push(value);
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\r') end++;
      const raw = text.slice(i, end);
      if (raw.includes('"') || raw.includes('\n')) throw new Error(`bad bare cell ${JSON.stringify(raw)}`);
      row.push(bare(raw));
      i = end;
    }
    if (text[i] === ',') {
      i++;
      if (i === text.length || text[i] === '\r') row.push(null);
    }
    if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else if (i < text.length && text[i - 1] !== ',') {
      throw new Error(`expected , or CRLF at ${i}`);
    }
  }
  if (row.length > 0) throw new Error('the last line has no CRLF');
  return rows;
}

/** CSV text as objects keyed by its header row. */
export function csvObjects(text: string): Array<Record<string, string | number | boolean | null>> {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header.map((h, j) => [String(h), r[j]])));
}
