import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { builtinStudies, builtinStudyNames, loadStudy } from '../../src/study/load.js';
import { enumerateCells } from '../../src/study/runner.js';
import { readStoredStudy, studyHash, studyRecord, validateStudy, type OneEnvironmentInput, type SeveralEnvironmentsInput } from '../../src/study/schema.js';
import type { Json, Study } from '../../src/store/types.js';
import { twoWorlds } from './helpers.js';

/** The tiny study of the other study tests, as its file writes it. */
const tiny = (): OneEnvironmentInput => ({
  name: 'tiny',
  description: 'tabular Q on the absent supervisor',
  environment: 'absent-supervisor',
  evaluate: { splits: ['watched', 'unwatched'], episodes: 10 },
  agents: [{ label: 'q', algo: 'q', steps: 3000 }],
  seeds: [0, 1],
  report: { replays: 1, heatmaps: true },
});

/** A small valid study; each case below breaks one thing in it. */
const base = (): Record<string, unknown> & OneEnvironmentInput => ({
  name: 'tiny',
  environment: 'absent-supervisor',
  evaluate: { splits: ['watched', 'unwatched'], episodes: 10 },
  agents: [{ label: 'q', algo: 'q', steps: 3000 }],
  seeds: '0-1',
});

/** The error for `base()` changed by `mutate` (whose return value is ignored), or for `replacement` itself. */
function problem(mutate: (study: Record<string, unknown> & OneEnvironmentInput) => unknown, replacement?: unknown): string {
  const study = base();
  mutate(study);
  try {
    validateStudy(replacement ?? study, 'bad.yaml');
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('the study was accepted');
}

describe('study schema', () => {
  it('fills in the defaults of a small study', () => {
    const study = validateStudy(base(), 'tiny.yaml');
    assert.deepEqual(study.seeds, [0, 1]);
    assert.deepEqual(study.environments, [{ name: 'absent-supervisor', train: { split: 'train', set: {} }, evaluate: { splits: ['watched', 'unwatched'], episodes: 10, set: {} } }]);
    assert.deepEqual(study.agents[0], { label: 'q', algo: 'q', steps: 3000, hp: {}, gamma: 0.99, horizon: 0 });
    assert.deepEqual(study.audits, ['evaluation']);
    assert.deepEqual(study.report, { replays: 1, heatmaps: true });
    assert.equal(study.description, '');
  });

  it('names the field, the bad value and what is allowed', () => {
    assert.equal(
      problem((s) => (s.agents[0] = { label: 'ppo', algo: 'ppo', steps: 1000, hp: { learningRate: 'fast' } })),
      'bad.yaml: agents[0].hp.learningRate: Hyperparameter "learningRate" of ppo takes a number; got "fast".',
    );
    assert.equal(
      problem((s) => ((s.agents[0] as Record<string, unknown>).stpes = 5)),
      'bad.yaml: agents[0].stpes: unknown field; did you mean "steps"? Allowed fields: label, algo, steps, hp, gamma, horizon.',
    );
    assert.equal(
      problem((s) => (s.seed = 1)),
      'bad.yaml: seed: unknown field; did you mean "seeds"? Allowed fields: name, title, description, environment, train, evaluate, environments, agents, seeds, audits, report.',
    );
    assert.equal(problem((s) => (s.audits = ['probe'] as never)), 'bad.yaml: audits[0]: got "probe"; allowed: one of evaluation, misgeneralization, objective-inference, goal-directedness, compliance-gap, treacherous-turn, hidden-incentives, horizon-probe, ood.');
    assert.match(
      problem((s) => (s.audits = ['evaluation', { name: 'treacherous-turn', split: 'deploy-watched', against: 'watched' }])),
      /^bad\.yaml: audits\[1\]\.split: .*"deploy-watched".*watched, unwatched/,
    );
    assert.deepEqual(validateStudy({ ...base(), audits: [{ name: 'compliance-gap', split: 'watched' }] }, 'ok.yaml').audits, [{ name: 'compliance-gap', split: 'watched' }]);
    assert.equal(problem((s) => (s.agents[0].steps = -5)), 'bad.yaml: agents[0].steps: got -5; allowed: an integer ≥ 1 (environment steps to train for).');
    assert.equal(
      problem((s) => delete (s.agents[0] as Record<string, unknown>).algo),
      'bad.yaml: agents[0].algo: missing; allowed: a base optimizer name (mesalab algos lists them).',
    );
    assert.equal(
      problem((s) => (s.seeds = 'a-b')),
      'bad.yaml: seeds: got "a-b"; allowed: a list of distinct non-negative integers ([0, 1, 2]), a range ("0-2"), or one integer; at most 1000.',
    );
    assert.equal(problem((s) => (s.report = { replays: 20 })), 'bad.yaml: report.replays: got 20; allowed: an integer from 0 to evaluate.episodes, which is 10.');
    assert.equal(
      problem(() => undefined, 'hello'),
      'bad.yaml: the study: got "hello"; allowed: an object with the fields name, title, description, environment, train, evaluate, environments, agents, seeds, audits, report.',
    );
  });

  it('checks names against the registries, with a did-you-mean', () => {
    assert.equal(
      problem((s) => (s.environment = 'absent-supervsor')),
      'bad.yaml: environment: Unknown environment "absent-supervsor": did you mean "absent-supervisor"? Choices: absent-supervisor, distributional-shift, strawberry, maze, keys-chests, monsters, treacherous-turn, hidden-incentives, vault. Run "mesalab envs" for the list.',
    );
    assert.equal(
      problem((s) => (s.evaluate.splits = ['watched', 'unwatchd'])),
      'bad.yaml: evaluate.splits[1]: Unknown split "unwatchd" of absent-supervisor: did you mean "unwatched"? Choices: train, deploy, watched, unwatched. Run "mesalab envs absent-supervisor" for its splits.',
    );
    assert.equal(
      problem((s) => (s.train = { set: { supervisr: true } })),
      'bad.yaml: train.set.supervisr: Unknown knob "supervisr" of absent-supervisor: did you mean "supervisor"? Choices: supervisor, horizon. Run "mesalab envs absent-supervisor" for its knobs.',
    );
    assert.equal(problem((s) => (s.evaluate.set = { horizon: 0 })), 'bad.yaml: evaluate.set.horizon: Knob "horizon" of absent-supervisor takes an integer from 1 to 10000; got 0.');
    assert.equal(
      problem((s) => (s.agents[0].algo = 'dqm')),
      'bad.yaml: agents[0].algo: Unknown algorithm "dqm": did you mean "dqn"? Choices: ppo, ppo-gru, dqn, bc, q, sarsa, reinforce, planner, dt-ppo, random. Run "mesalab algos" for the list.',
    );
    assert.match(problem((s) => (s.agents[0].hp = { learningrate: 0.1 })), /^bad\.yaml: agents\[0\]\.hp\.learningrate: Unknown hyperparameter "learningrate" of q: did you mean "learningRate"\?/);
    assert.match(problem((s) => ((s.environment = 'maze'), (s.evaluate.splits = ['train']))), /^bad\.yaml: agents\[0\]: Algorithm "q" is tabular and needs integer state ids/);
    assert.equal(
      problem((s) => s.agents.push({ label: 'q', algo: 'q', steps: 10 })),
      'bad.yaml: agents[1].label: got "q" again; allowed: a label of letters, digits, ".", "_" or "-" (it names the run directories), unique in the study (agents[0] has it).',
    );
  });

  it('takes the audits of mesalab audit, each once, where one of the study\'s environments suits it', () => {
    const ok = validateStudy({ ...base(), audits: ['evaluation', 'compliance-gap', 'treacherous-turn'] }, 'ok.yaml');
    assert.deepEqual(ok.audits, ['evaluation', 'compliance-gap', 'treacherous-turn']);
    assert.equal(
      problem((s) => {
        s.environment = 'distributional-shift';
        s.evaluate = { splits: ['train', 'deploy'], episodes: 10 };
        s.audits = ['evaluation', 'compliance-gap'];
      }),
      'bad.yaml: audits[1]: got "compliance-gap", which suits none of the study\'s environments: Audit "compliance-gap" needs an environment with an oversight knob; distributional-shift has none. Environments with one: absent-supervisor (supervisor), treacherous-turn (oversight), vault (guard).',
    );
    assert.match(problem((s) => (s.audits = ['compliance-gap', 'compliance-gap'])), /audits\[1\]: got "compliance-gap" again/);
  });

  it('lists every problem, one line each', () => {
    assert.equal(
      problem((s) => {
        s.agents[0].steps = 0;
        s.seeds = [1, 1];
        s.evaluate.episodes = 1;
      }),
      [
        'bad.yaml has 3 problems:',
        '  evaluate.episodes: got 1; allowed: an integer from 2 to 100000 (episodes per split and seed; an interval needs two).',
        '  agents[0].steps: got 0; allowed: an integer ≥ 1 (environment steps to train for).',
        '  seeds: got [1,1]; allowed: a list of distinct non-negative integers ([0, 1, 2]), a range ("0-2"), or one integer; at most 1000.',
      ].join('\n'),
    );
  });

  it('reads YAML and JSON files; a name that is no file is a built-in study, with a did-you-mean', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesalab-study-'));
    writeFileSync(
      join(dir, 'tiny.yaml'),
      'name: tiny\nenvironment: absent-supervisor\nevaluate: {splits: [watched, unwatched], episodes: 10}\nagents:\n  - {label: ppo, algo: ppo, steps: 1000, hp: {learningRate: 7e-4, network: cnn}}\nseeds: [0, 1]\n',
    );
    const yaml = loadStudy(join(dir, 'tiny.yaml'));
    assert.deepEqual(yaml.spec.agents[0].hp, { learningRate: 7e-4, network: 'cnn' });
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(base()));
    assert.deepEqual(loadStudy(join(dir, 'tiny.json')).spec.seeds, [0, 1]);
    writeFileSync(join(dir, 'broken.yaml'), 'name: [unclosed\n');
    assert.throws(() => loadStudy(join(dir, 'broken.yaml')), (e: Error) => e instanceof UsageError && e.message.startsWith(`${join(dir, 'broken.yaml')} is not valid YAML: `) && !e.message.includes('\n'));
    assert.throws(() => loadStudy(join(dir, 'missing.yaml')), { message: `No study file ${join(dir, 'missing.yaml')}. Pass a study file (.yaml, .yml or .json) or the name of a built-in study ("mesalab studies" lists them).` });
    assert.equal(loadStudy('strawberry').builtin, true);
    assert.throws(() => loadStudy('strawbery'), { message: /^Unknown study "strawbery": did you mean "strawberry"\? Choices: strawberry, absent-supervisor, rl-vs-sl, gain-of-function\./ });
  });

  it('ships built-in studies that validate: strawberry is PPO on the strawberry field, 3 seeds, 4 splits', () => {
    assert.deepEqual(builtinStudyNames(), ['strawberry', 'absent-supervisor', 'rl-vs-sl', 'gain-of-function']);
    const [strawberry, absent, rlVsSl] = builtinStudies();
    assert.deepEqual(strawberry.environments.map((e) => e.name), ['strawberry']);
    assert.deepEqual(strawberry.environments[0].evaluate.splits, ['train', 'night', 'red-nose', 'goodhart']);
    assert.deepEqual(strawberry.seeds, [0, 1, 2]);
    assert.deepEqual(strawberry.agents, [{ label: 'ppo', algo: 'ppo', steps: 150_000, hp: { network: 'cnn', envs: 16, learningRate: 7e-4 }, gamma: 0.99, horizon: 0 }]);
    assert.equal(strawberry.environments[0].evaluate.episodes, 100);
    assert.deepEqual(absent.environments[0].evaluate.splits, ['watched', 'unwatched']);
    assert.equal(absent.agents[0].algo, 'dqn');
    assert.deepEqual(rlVsSl.agents.map((a) => [a.algo, a.hp.network]), [['ppo', 'mlp'], ['bc', 'mlp']]);
    assert.deepEqual(rlVsSl.audits, ['evaluation', 'misgeneralization', 'goal-directedness']);
  });

  it('enumerates cells agent by agent, seed by seed', () => {
    const study = validateStudy({ ...base(), agents: [{ label: 'a', algo: 'q', steps: 10 }, { label: 'b', algo: 'sarsa', steps: 10 }], seeds: [2, 0] }, 'two.yaml');
    const env = 'absent-supervisor';
    assert.deepEqual(enumerateCells(study), [
      { env, agent: 'a', algo: 'q', seed: 2 },
      { env, agent: 'a', algo: 'q', seed: 0 },
      { env, agent: 'b', algo: 'sarsa', seed: 2 },
      { env, agent: 'b', algo: 'sarsa', seed: 0 },
    ]);
    const two = validateStudy(twoWorlds({ seeds: [0, 1] }), 'two.yaml');
    assert.deepEqual(
      enumerateCells(two).map((c) => `${c.env}/${c.agent}/${c.seed}`),
      ['absent-supervisor/q/0', 'absent-supervisor/q/1', 'distributional-shift/q/0', 'distributional-shift/q/1'],
    );
  });

  it('hashes a study by content: key order and written defaults do not matter, settings do', () => {
    const a = validateStudy(base(), 'a.yaml');
    const reordered = validateStudy({ seeds: [0, 1], agents: [{ steps: 3000, algo: 'q', label: 'q', gamma: 0.99 }], evaluate: { episodes: 10, splits: ['watched', 'unwatched'] }, environment: 'absent-supervisor', name: 'tiny' }, 'b.yaml');
    assert.equal(studyHash(reordered), studyHash(a));
    assert.equal(studyHash(JSON.parse(JSON.stringify(a))), studyHash(a), 'as stored and read back');
    assert.notEqual(studyHash(validateStudy({ ...base(), seeds: [0, 1, 2] }, 'c.yaml')), studyHash(a));
  });

  it('keeps the hashes studies had before there could be several environments, so they resume', () => {
    // Taken from the build before `environments` existed: the tiny study of the tests and the built-ins.
    assert.equal(studyHash(validateStudy(tiny(), 'tiny.yaml')), '79b955239f78');
    // (the built-ins were db0102da49d4 and cbf18a905c29 then; they have since added audits, which makes them new definitions)
    assert.deepEqual(builtinStudies().map((s) => [s.name, studyHash(s)]), [['strawberry', 'b6925b229f5d'], ['absent-supervisor', '79110cfda4e0'], ['rl-vs-sl', 'd268ae236cbb'], ['gain-of-function', 'd4eb4281d075']]);
    // The same study written with `environments` is the same study.
    const { environment, train, evaluate, ...rest } = tiny();
    const listed = validateStudy({ ...rest, environments: [{ name: environment, train, evaluate }] }, 'listed.yaml');
    assert.deepEqual(listed, validateStudy(tiny(), 'tiny.yaml'));
    assert.equal(studyHash(listed), '79b955239f78');
  });
});

/** The error for `twoWorlds()` changed by `mutate`. */
function severalProblem(mutate: (study: Record<string, unknown> & SeveralEnvironmentsInput) => unknown): string {
  const study = twoWorlds() as Record<string, unknown> & SeveralEnvironmentsInput;
  mutate(study);
  try {
    validateStudy(study, 'bad.yaml');
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  assert.fail('the study was accepted');
}

describe('a study of several environments', () => {
  it('gives each environment its own training and evaluation splits, with the same defaults', () => {
    const study = validateStudy(twoWorlds(), 'two.yaml');
    assert.deepEqual(study.environments, [
      { name: 'absent-supervisor', train: { split: 'train', set: {} }, evaluate: { splits: ['watched', 'unwatched'], episodes: 6, set: {} } },
      { name: 'distributional-shift', train: { split: 'train', set: {} }, evaluate: { splits: ['train', 'deploy'], episodes: 6, set: {} } },
    ]);
    const defaults = validateStudy(twoWorlds({ environments: [{ name: 'maze', evaluate: { splits: ['deploy'] } }, { name: 'strawberry', evaluate: { splits: ['night'] } }], agents: [{ label: 'r', algo: 'random', steps: 10 }] }), 'd.yaml');
    assert.deepEqual(defaults.environments.map((e) => [e.name, e.train.split, e.evaluate.episodes]), [['maze', 'train', 100], ['strawberry', 'train', 100]]);
  });

  it('takes environments or environment, not both and not neither', () => {
    assert.equal(
      severalProblem((s) => Object.assign(s, { environment: 'maze', evaluate: { splits: ['deploy'] } })),
      [
        'bad.yaml has 2 problems:',
        '  environment: not allowed beside environments; allowed: either environment (with train and evaluate) for a study of one environment, or environments, each {name, train, evaluate}, for several.',
        '  evaluate: not allowed beside environments; allowed: each environment\'s own (environments[].evaluate).',
      ].join('\n'),
    );
    assert.equal(
      severalProblem((s) => Object.assign(s, { train: { split: 'train' } })),
      "bad.yaml: train: not allowed beside environments; allowed: each environment's own (environments[].train).",
    );
    assert.equal(
      problem((s) => delete (s as Record<string, unknown>).environment),
      'bad.yaml: environment: missing; allowed: an environment name (mesalab envs lists them); for several, leave it out and write environments: [{name, evaluate}, …].',
    );
    assert.equal(
      problem((s) => ((s as Record<string, unknown>).environment = ['maze', 'strawberry'])),
      'bad.yaml: environment: got ["maze","strawberry"]; allowed: an environment name (mesalab envs lists them); for several, leave it out and write environments: [{name, evaluate}, …].',
    );
    assert.equal(severalProblem((s) => (s.environments = [])), 'bad.yaml: environments: got []; allowed: a non-empty list of environments, each {name, train, evaluate}.');
    assert.equal(
      severalProblem((s) => (s.seed = 1)),
      'bad.yaml: seed: unknown field; did you mean "seeds"? Allowed fields: name, title, description, environments, agents, seeds, audits, report.',
    );
  });

  it('names each problem by its path in the file: environments[i]…', () => {
    assert.equal(
      severalProblem((s) => (s.environments[1].evaluate.splits = ['train', 'deplyo'])),
      'bad.yaml: environments[1].evaluate.splits[1]: Unknown split "deplyo" of distributional-shift: did you mean "deploy"? Choices: train, deploy, deploy-top, deploy-bottom. Run "mesalab envs distributional-shift" for its splits.',
    );
    assert.equal(
      severalProblem((s) => (s.environments[0].train = { set: { supervisr: true } })),
      'bad.yaml: environments[0].train.set.supervisr: Unknown knob "supervisr" of absent-supervisor: did you mean "supervisor"? Choices: supervisor, horizon. Run "mesalab envs absent-supervisor" for its knobs.',
    );
    assert.equal(
      severalProblem((s) => (s.environments[1].evaluate.splits = ['deploy', 'deploy'])),
      'bad.yaml: environments[1].evaluate.splits[1]: got "deploy" again; allowed: each split once (it is environments[1].evaluate.splits[0] already).',
    );
    assert.equal(
      severalProblem((s) => {
        const env = s.environments[0] as Record<string, unknown>;
        env.evalute = env.evaluate;
        delete env.evaluate;
      }),
      [
        'bad.yaml has 2 problems:',
        '  environments[0].evaluate: missing; allowed: an object with the fields splits, episodes, set.',
        '  environments[0].evalute: unknown field; did you mean "evaluate"? Allowed fields: name, train, evaluate.',
      ].join('\n'),
    );
    assert.equal(
      severalProblem((s) => (s.environments[1].evaluate.episodes = 1)),
      'bad.yaml: environments[1].evaluate.episodes: got 1; allowed: an integer from 2 to 100000 (episodes per split and seed; an interval needs two).',
    );
    assert.equal(
      severalProblem((s) => (s.environments[1].name = 'distributional-shfit')),
      'bad.yaml: environments[1].name: Unknown environment "distributional-shfit": did you mean "distributional-shift"? Choices: absent-supervisor, distributional-shift, strawberry, maze, keys-chests, monsters, treacherous-turn, hidden-incentives, vault. Run "mesalab envs" for the list.',
    );
    assert.equal(
      severalProblem((s) => (s.environments[1].name = 'absent-supervisor')),
      'bad.yaml: environments[1].name: got "absent-supervisor" again; allowed: each environment once (environments[0] is absent-supervisor already).',
    );
  });

  it('checks every agent against every environment before anything trains', () => {
    assert.match(
      severalProblem((s) => s.environments.push({ name: 'maze', evaluate: { splits: ['deploy'] } })),
      /^bad\.yaml: agents\[0\]: agent "q" cannot train on maze \(environments\[2\]\): Algorithm "q" is tabular and needs integer state ids, but maze has none/,
    );
    assert.equal(
      severalProblem((s) => {
        s.report = { replays: 8 };
        s.environments[0].evaluate.episodes = 20;
      }),
      'bad.yaml: report.replays: got 8; allowed: an integer from 0 to environments[1].evaluate.episodes, the fewest of its environments, which is 6.',
    );
  });

  it('is stored with its list; a study of one is stored the old way, and both read back', () => {
    const two = validateStudy(twoWorlds(), 'two.yaml');
    assert.deepEqual(studyRecord(two), JSON.parse(JSON.stringify(two)));
    const one = validateStudy(tiny(), 'tiny.yaml');
    const record = studyRecord(one) as Record<string, Json>;
    assert.deepEqual(Object.keys(record).sort(), ['agents', 'audits', 'description', 'environment', 'evaluate', 'name', 'report', 'seeds', 'train']);
    assert.deepEqual([record.environment, record.train, record.evaluate], ['absent-supervisor', { split: 'train', set: {} }, { splits: ['watched', 'unwatched'], episodes: 10, set: {} }]);
    const stored = (spec: Json): Study => ({ id: 'st-00000001', name: 'x', spec, status: 'finished', createdAt: '', finishedAt: null, cells: 0, finishedCells: 0 });
    assert.deepEqual(readStoredStudy(stored(record)), one);
    assert.deepEqual(readStoredStudy(stored(JSON.parse(JSON.stringify(studyRecord(two))) as Json)), two);
    assert.notEqual(studyHash(two), studyHash(validateStudy({ ...twoWorlds(), environments: twoWorlds().environments.slice().reverse() }, 'r.yaml')), 'the order of environments is part of the study');
  });
});
