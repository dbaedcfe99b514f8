import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { startRun, type RunConfig } from '../../src/train/run.js';
import { comparableMetrics, expectExactResume } from '../support/resume.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const fresh = () => mkdtempSync(join(tmpdir(), 'mesalab-run-'));

const config: RunConfig = {
  env: 'maze',
  split: 'train',
  set: [['size', '9']],
  algo: 'random',
  hyperparameters: { envs: 4, stepsPerIteration: 50 },
  seed: 3,
  steps: 6000,
  gamma: 0.99,
  rewardHorizon: 0,
};

const comparable = comparableMetrics;
const finalState = (dir: string) => {
  const { state } = readCheckpoint(join(dir, 'checkpoint.bin'));
  return { json: state.json, arrays: Object.fromEntries(Object.entries(state.arrays).map(([k, v]) => [k, Array.from(v)])) };
};

describe('the run loop', () => {
  it('a run stopped part-way and resumed ends exactly as an unbroken run', async () => {
    // 6000 steps of 4 copies × 50 steps: 30 iterations, stopped after 7.
    await expectExactResume(config, 7, 30);
  });

  it('a process killed with SIGKILL mid-run resumes from its last checkpoint to the unbroken result', async () => {
    const unbroken = fresh();
    const long = { ...config, steps: 400_000 };
    await startRun(long, { dir: unbroken });
    const killed = fresh();
    const child = spawn(process.execPath, [MAIN, 'train', 'maze', '--algo', 'random', '--set', 'size=9', '--hp', 'envs=4', '--hp', 'stepsPerIteration=50',
      '--seed', '3', '--steps', '400000', '--out', killed, '--checkpoint-every', '0'], { stdio: 'ignore' });
    // Kill it once it has written a few hundred lines, mid-write or not.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const path = join(killed, 'metrics.jsonl');
        if (existsSync(path) && readFileSync(path, 'utf8').split('\n').length > 300) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    await new Promise((resolve) => child.on('exit', resolve));
    const status = JSON.parse(readFileSync(join(killed, 'run.json'), 'utf8')).status;
    assert.equal(status, 'running', 'a killed run cannot have marked itself finished');
    const r = spawnSync(process.execPath, [MAIN, 'train', '--resume', killed], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(comparable(killed), comparable(unbroken));
    assert.deepEqual(finalState(killed), finalState(unbroken));
  });

  it('Ctrl-C saves a checkpoint, marks the run interrupted and exits 130', async () => {
    const dir = fresh();
    const child = spawn(process.execPath, [MAIN, 'train', 'maze', '--algo', 'random', '--steps', '100000000', '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(dir, 'metrics.jsonl')) && readFileSync(join(dir, 'metrics.jsonl'), 'utf8').length > 0) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        }
      }, 5);
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /Stopping after this iteration and saving a checkpoint/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).status, 'interrupted');
    assert.ok(existsSync(join(dir, 'checkpoint.bin')));
  });

  const errors: Array<[string[], RegExp]> = [
    [['train', 'maze', '--algo', 'rando'], /Unknown algorithm "rando": did you mean "random"\?/],
    [['train', 'maze'], /train needs --algo NAME/],
    [['train', 'maze', '--algo', 'random', '--hp', 'envz=3'], /Unknown hyperparameter "envz" of random: did you mean "envs"\?/],
    [['train', 'maze', '--algo', 'random', '--hp', 'envs=many'], /Hyperparameter "envs" of random takes a number; got "many"/],
    [['train', 'maze', '--algo', 'random', '--gamma', '1.5'], /--gamma must lie in \[0, 1\]; got 1.5/],
    [['train', 'maze', '--algo', 'random', '--steps', '0'], /--steps takes an integer ≥ 1/],
    [['train', 'maze', '--algo', 'random', '--set', 'size=8'], /Knob "size" of maze takes an odd integer from 5 to 25; got "8"/],
    [['train', '--resume', '/nonexistent-run'], /is not a mesalab run directory \(no run\.json\)/],
    [['eval', '/nonexistent-run'], /is not a mesalab run directory/],
  ];
  for (const [args, message] of errors) {
    it(`bad input "${args.join(' ')}" → a clear error, exit 2, nothing written`, () => {
      const cwd = fresh();
      const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(existsSync(join(cwd, 'mesalab-runs')), false);
    });
  }

  it('refuses to overwrite a run; a corrupt checkpoint is reported, not used', async () => {
    const dir = fresh();
    await startRun({ ...config, steps: 500 }, { dir });
    await assert.rejects(startRun(config, { dir }), /already holds a run\. Continue it with --resume/);
    const path = join(dir, 'checkpoint.bin');
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(path, bytes);
    const r = spawnSync(process.execPath, [MAIN, 'eval', dir], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /checkpoint\.bin is corrupt/);
  });

  it('--seeds trains each seed in its own process and directory, identical to training it alone', () => {
    const out = fresh();
    const r = spawnSync(process.execPath, [MAIN, 'train', 'maze', '--algo', 'random', '--steps', '3000', '--seeds', '0-2', '--workers', '2', '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^0\s+finished\s+3072/m);
    assert.match(r.stdout, /^2\s+finished\s+3072/m);
    const alone = fresh();
    spawnSync(process.execPath, [MAIN, 'train', 'maze', '--algo', 'random', '--steps', '3000', '--seed', '1', '--out', alone]);
    assert.deepEqual(comparable(join(out, 'seed1')), comparable(alone));
    const bad = spawnSync(process.execPath, [MAIN, 'train', 'maze', '--algo', 'random', '--seeds', '0,x'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--seeds takes non-negative integers as 0,1,2 or a range 0-4; got "0,x"/);
  });

  it('eval reports every objective with intervals, the same numbers for the same seed', () => {
    const dir = fresh();
    spawnSync(process.execPath, [MAIN, 'train', 'absent-supervisor', '--algo', 'random', '--steps', '1000', '--out', dir]);
    const a = spawnSync(process.execPath, [MAIN, 'eval', dir, '--split', 'deploy', '--episodes', '20', '--json'], { encoding: 'utf8' });
    const b = spawnSync(process.execPath, [MAIN, 'eval', dir, '--split', 'deploy', '--episodes', '20', '--json'], { encoding: 'utf8' });
    assert.equal(a.status, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    const summary = JSON.parse(a.stdout);
    assert.deepEqual(Object.keys(summary.objectives), ['intended', 'observed-reward']);
    assert.equal(summary.episodes, 20);
    assert.ok(summary.return.halfWidth > 0);
    assert.equal(summary.caughtRate, 0, 'nobody is caught when the supervisor is absent');
    const shown = spawnSync(process.execPath, [MAIN, 'eval', dir, '--split', 'deploy', '--episodes', '20', '--show', '1'], { encoding: 'utf8' });
    const first = JSON.parse(a.stdout).return.n;
    assert.equal(first, 20);
    assert.match(shown.stdout, /^episode seed 1000000: actions [udlr]+$/m);
    assert.match(shown.stdout, /^start\n #######? ?\n/m);
    assert.match(shown.stdout, /→ return -?\d+(\.\d+)?, hidden performance/);
  });
});
