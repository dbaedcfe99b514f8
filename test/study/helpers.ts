/** Shared pieces of the study tests: tiny studies of tabular Q-learning, temporary stores, captured output. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { validateStudy, type OneEnvironmentInput, type SeveralEnvironmentsInput, type StudyInput, type StudySpec } from '../../src/study/schema.js';

export { MAIN } from '../support/cli.js';

/** Tabular Q on the absent supervisor: 2 seeds × 3000 steps, 10 episodes on watched and unwatched; well under a second a cell. */
export const tinyStudy = (overrides: Partial<OneEnvironmentInput> = {}): OneEnvironmentInput => ({
  name: 'tiny',
  description: 'tabular Q on the absent supervisor',
  environment: 'absent-supervisor',
  evaluate: { splits: ['watched', 'unwatched'], episodes: 10 },
  agents: [{ label: 'q', algo: 'q', steps: 3000 }],
  seeds: [0, 1],
  report: { replays: 1, heatmaps: true },
  ...overrides,
});

export const validTiny = (overrides: Partial<OneEnvironmentInput> = {}): StudySpec => validateStudy(tinyStudy(overrides), 'tiny');

/**
 * Tabular Q on two environments with their own splits: the absent supervisor (watched, unwatched)
 * and distributional shift (train, deploy), 2 seeds × 3000 steps, 6 episodes per split.
 */
export const twoWorlds = (overrides: Partial<SeveralEnvironmentsInput> = {}): SeveralEnvironmentsInput => ({
  name: 'two-worlds',
  environments: [
    { name: 'absent-supervisor', train: { split: 'train' }, evaluate: { splits: ['watched', 'unwatched'], episodes: 6 } },
    { name: 'distributional-shift', evaluate: { splits: ['train', 'deploy'], episodes: 6 } },
  ],
  agents: [{ label: 'q', algo: 'q', steps: 3000 }],
  seeds: [0, 1],
  report: { replays: 1, heatmaps: true },
  ...overrides,
});

/** A fresh folder with a study file in it and a path for a store that does not exist yet. */
export function studyFolder(study: StudyInput): { dir: string; file: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mesalab-study-'));
  const file = join(dir, 'study.json');
  writeFileSync(file, JSON.stringify(study));
  return { dir, file, db: join(dir, 'runs', 'mesalab.db') };
}

/** A stream that keeps what is written to it, as a non-terminal stderr would. */
export function captureStream(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}
