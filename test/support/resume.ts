/**
 * The resume check every trainer must pass: a run stopped after some iterations and resumed ends
 * bit-for-bit as the unbroken run, in its metrics (wall time aside), its trainer state and its arrays.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { readMetrics } from '../../src/train/metrics.js';
import { resumeRun, startRun, type RunConfig } from '../../src/train/run.js';
import type { TrainerState } from '../../src/train/types.js';

export const freshDir = (): string => mkdtempSync(join(tmpdir(), 'mesalab-'));

/** Metrics without the wall-clock column, which no two runs share. */
export const comparableMetrics = (dir: string) => readMetrics(join(dir, 'metrics.jsonl')).map(({ wall_s: _w, ...rest }) => rest);

/**
 * Run `config` unbroken, and again stopped after `stopAfter` iterations then resumed; assert both end
 * identically after `iterations` iterations. Returns both final states for further checks.
 */
export async function expectExactResume(config: RunConfig, stopAfter: number, iterations: number): Promise<{ resumed: TrainerState; unbroken: TrainerState; metrics: ReturnType<typeof comparableMetrics> }> {
  const unbroken = freshDir();
  await startRun(config, { dir: unbroken });
  const broken = freshDir();
  let calls = 0;
  const first = await startRun(config, { dir: broken, shouldStop: () => ++calls > stopAfter });
  assert.equal(first.status, 'interrupted');
  await resumeRun(broken, {});
  const metrics = comparableMetrics(broken);
  assert.equal(metrics.length, iterations);
  assert.deepEqual(metrics, comparableMetrics(unbroken));
  const a = readCheckpoint(join(broken, 'checkpoint.bin')).state;
  const b = readCheckpoint(join(unbroken, 'checkpoint.bin')).state;
  assert.deepEqual(a.json, b.json);
  assert.deepEqual(Object.keys(a.arrays).sort(), Object.keys(b.arrays).sort());
  for (const key of Object.keys(a.arrays)) assert.deepEqual(Array.from(a.arrays[key]), Array.from(b.arrays[key]), key);
  assert.ok(readFileSync(join(broken, 'run.json'), 'utf8').includes('"finished"'));
  return { resumed: a, unbroken: b, metrics };
}
