import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { playInteractive } from '../../src/cli/interactive.js';
import { makeEnv } from '../../src/registry.js';
import { itRejectsBadInput, mesalab } from '../support/cli.js';


describe('mesalab command line', () => {
  it('play --json prints exactly one JSON object with the documented keys', () => {
    const r = mesalab('play', 'absent-supervisor', '--split', 'deploy', '--actions', 'ddd', '--json');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.deepEqual(JSON.parse(lines[0]), {
      env: 'absent-supervisor',
      split: 'deploy',
      seed: 0,
      return: 47,
      performance: 17,
      objectives: { intended: 17, 'observed-reward': 47 },
      steps: 3,
      terminated: true,
      truncated: false,
    });
  });

  it('play --json --render keeps stdout to the one JSON object and draws the frames on stderr', () => {
    const r = mesalab('play', 'absent-supervisor', '--set', 'supervisor=true', '--actions', 'rrrdddlll', '--json', '--render');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).return, 41);
    assert.equal((r.stderr.match(/^step \d+/gm) ?? []).length, 9);
    assert.ok(r.stderr.includes('S#G  A#S'), r.stderr);
  });

  it('play without --json prints a table with the hidden performance', () => {
    const r = mesalab('play', 'distributional-shift', '--split', 'deploy-top', '--actions', 'drr');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hidden performance\s+-53/);
    assert.match(r.stdout, /terminated/);
  });

  it('a user-declared split from a JSON file works like a built-in one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesalab-'));
    const file = join(dir, 'splits.json');
    writeFileSync(file, JSON.stringify({ 'absent-supervisor': { short: { extends: 'deploy', set: { horizon: 2 } } } }));
    const r = mesalab('play', 'absent-supervisor', '--splits', file, '--split', 'short', '--actions', 'dd', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).objectives, { intended: -32, 'observed-reward': -2 });
    assert.equal(JSON.parse(r.stdout).truncated, true);
    writeFileSync(file, '{"absent-supervisor": {"short": {"set": {"horizon": "soon"}}}}');
    const bad = mesalab('play', 'absent-supervisor', '--splits', file, '--split', 'short', '--actions', 'd');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Knob "horizon" of absent-supervisor takes an integer from 1 to 10000; got "soon"/);
  });

  const errors: Array<[string[], RegExp]> = [
    [['play', 'mase', '--actions', 'u'], /^mesalab: Unknown environment "mase": did you mean "maze"\?/],
    [['play', 'absent-supervisor', '--split', 'deplyo', '--actions', 'u'], /Unknown split "deplyo" of absent-supervisor: did you mean "deploy"\?/],
    [['play', 'absent-supervisor', '--set', 'supervisr=true', '--actions', 'u'], /Unknown knob "supervisr" of absent-supervisor: did you mean "supervisor"\?/],
    [['play', 'absent-supervisor', '--set', 'horizon=-4', '--actions', 'u'], /Knob "horizon" of absent-supervisor takes an integer from 1 to 10000; got "-4"/],
    [['play', 'absent-supervisor', '--set', 'horizon', '--actions', 'u'], /--set takes key=value/],
    [['play', 'absent-supervisor', '--actions', 'dq'], /Unknown action letter "q" at position 2 for absent-supervisor\. Valid letters: u \(up\)/],
    [['play', 'absent-supervisor', '--actions', 'dddd'], /The episode ended after 3 actions; 1 letters are left over/],
    [['play', 'absent-supervisor', '--sed', '3'], /Unknown option --sed: did you mean --seed\?/],
    [['play', 'absent-supervisor', '--seed', 'x', '--actions', 'u'], /--seed takes an integer/],
    [['play', 'absent-supervisor'], /needs a terminal; pass --actions LETTERS/],
    [['plya'], /Unknown command "plya": did you mean "play"\?/],
    [['envs', 'lava'], /Unknown environment "lava"/],
    [['play', 'absent-supervisor', '--splits', '/nonexistent/splits.json', '--actions', 'u'], /Cannot read split file/],
  ];
  itRejectsBadInput(errors);

  it('envs lists every environment; envs NAME --json gives its splits and knobs', () => {
    const list = mesalab('envs');
    assert.equal(list.code, 0);
    assert.match(list.stdout, /absent-supervisor/);
    const one = mesalab('envs', 'absent-supervisor', '--json');
    const spec = JSON.parse(one.stdout);
    assert.deepEqual(Object.keys(spec.splits), ['train', 'deploy', 'watched', 'unwatched']);
    assert.equal(spec.splits.deploy.params.supervisor, 'unwatched');
    assert.deepEqual(spec.observation, { channels: ['wall', 'agent', 'goal', 'punishment', 'supervisor'], height: 6, width: 8 });
    const text = mesalab('envs', 'absent-supervisor').stdout;
    for (const heading of ['Description', 'Actions', 'Observation', 'Rewards', 'Termination', 'Variants']) {
      assert.match(text, new RegExp(`^${heading}`, 'm'));
    }
  });

  it('demo plays every story and a random baseline on every split', () => {
    const r = mesalab('demo', '--episodes', '10', '--train-steps', '0');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /the shortcut unwatched: reward 47, performance 17\s+47\s+17/);
    for (const name of JSON.parse(mesalab('envs', '--json').stdout).map((e: { name: string }) => e.name)) {
      assert.ok(r.stdout.includes(name), `demo omits ${name}`);
    }
  });

  it('--help for the program and for each command', () => {
    assert.match(mesalab('--help').stdout, /Commands:/);
    assert.match(mesalab('play', '--help').stdout, /Usage: mesalab play ENV/);
  });
});

describe('interactive play', () => {
  function terminal() {
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (_raw: boolean) => undefined });
    const output = new PassThrough();
    let screen = '';
    output.on('data', (chunk) => (screen += chunk.toString()));
    return { input, output, screen: () => screen };
  }

  it('plays keys and arrows, reveals the hidden performance only at the end', async () => {
    const t = terminal();
    const env = makeEnv('absent-supervisor', { split: 'deploy' });
    const done = playInteractive(env, 0, t);
    t.input.write('d');
    t.input.write('\x1b[B'); // arrow down
    assert.doesNotMatch(t.screen(), /hidden performance/);
    t.input.write('d');
    const totals = await done;
    assert.equal(totals?.return, 47);
    assert.equal(totals?.performance, 17);
    assert.match(t.screen(), /hidden performance 17/);
  });

  it('ignores unknown keys with a note, and q quits', async () => {
    const t = terminal();
    const done = playInteractive(makeEnv('absent-supervisor'), 0, t);
    t.input.write('z');
    assert.match(t.screen(), /"z" is not a key of absent-supervisor/);
    t.input.write('q');
    assert.equal(await done, null);
  });
});
