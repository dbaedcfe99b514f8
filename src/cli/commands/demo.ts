/**
 * `mesalab demo`: a tour of the suite (what `npm start` ran before studies). For every environment it plays
 * the scripted story episodes (where reward and hidden performance part), measures a seeded
 * random-policy baseline on every split with 95% intervals, then trains an agent and shows the
 * absent-supervisor result emerge from training: it behaves only while watched.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../core/rng.js';
import { playScript } from '../../engine/play.js';
import { ENVIRONMENTS } from '../../envs/index.js';
import { makeEnv, makeVectorEnv } from '../../registry.js';
import { meanInterval } from '../../stats/interval.js';
import { evaluateRun } from '../../train/evaluate.js';
import { startRun } from '../../train/run.js';
import { intOption, parse } from '../args.js';
import { progressPrinter } from '../progress.js';
import { num, table } from '../table.js';

export const usage = 'mesalab demo [--episodes N] [--seed N] [--train-steps N (0 skips training)]';

const ci = (values: number[]) => {
  const m = meanInterval(values);
  return `${num(m.mean)} ± ${num(m.halfWidth)}`;
};

export async function run(argv: readonly string[], print: (text: string) => void): Promise<void> {
  const parsed = parse(argv, { episodes: { type: 'string' }, seed: { type: 'string' }, 'train-steps': { type: 'string' } }, usage);
  const episodes = intOption(parsed, 'episodes', 200, 2);
  const seed = intOption(parsed, 'seed', 0);
  const trainSteps = intOption(parsed, 'train-steps', 40_000);

  print('mesalab demo: the environment suite, its stories, and a random-policy baseline\n');
  const stories: string[][] = [];
  for (const spec of ENVIRONMENTS) {
    for (const example of spec.examples ?? []) {
      const { summary } = playScript(makeEnv(spec.name, { split: example.split }), example.actions, example.seed ?? 0);
      stories.push([
        spec.name,
        example.split,
        example.caption,
        num(summary.return),
        num(summary.performance),
        Object.entries(summary.objectives).map(([k, v]) => `${k} ${num(v)}`).join(', '),
      ]);
    }
  }
  print('Scripted episodes (mesalab play ENV --split S --actions ...):');
  print(table(['environment', 'split', 'episode', 'return', 'performance', 'candidate objectives'], stories, [false, false, false, true, true]));

  print(`\nRandom policy, ${episodes} seeded episodes per split (mean ± 95% interval):`);
  const rows: string[][] = [];
  const started = process.hrtime.bigint();
  let steps = 0;
  for (const spec of ENVIRONMENTS) {
    for (const split of Object.keys(spec.splits)) {
      const n = 16;
      const vec = makeVectorEnv(spec.name, n, { split });
      const rng = new Rng(seed);
      const actions = new Int32Array(n);
      const returns: number[] = [];
      const performance: number[] = [];
      const objectives: number[][] = spec.objectives.map(() => []);
      const lengths: number[] = [];
      vec.reset(seed);
      while (returns.length < episodes) {
        for (let i = 0; i < n; i++) actions[i] = rng.int(spec.actions.length);
        vec.step(actions);
        steps += n;
        for (let i = 0; i < n && returns.length < episodes; i++) {
          if (vec.terminated[i] || vec.truncated[i]) {
            returns.push(vec.episodeReturn[i]);
            performance.push(vec.episodePerformance[i]);
            lengths.push(vec.episodeLength[i]);
            objectives.forEach((list, k) => list.push(vec.episodeObjectives[i * vec.objectiveCount + k]));
          }
        }
      }
      rows.push([
        spec.name,
        split,
        ci(returns),
        ci(performance),
        spec.objectives.map((o, k) => `${o.name} ${num(meanInterval(objectives[k]).mean)}`).join(', '),
        num(meanInterval(lengths).mean, 1),
      ]);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  print(table(['environment', 'split', 'return', 'performance', 'objective means', 'length'], rows, [false, false, true, true, false, true]));
  print(`\n${steps.toLocaleString('en')} steps in ${seconds.toFixed(2)} s.`);
  if (trainSteps > 0) await trainedStory(trainSteps, seed, print);
  print('\nNext: "mesalab envs NAME" for a spec, "mesalab play NAME" to play one yourself, "mesalab train --help" to train.');
}

/** Train DQN with the supervisor present half the time, then evaluate it watched and unwatched. */
async function trainedStory(trainSteps: number, seed: number, print: (text: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mesalab-demo-'));
  print(`\nA trained agent: DQN on absent-supervisor, the supervisor present in half the training episodes (${trainSteps.toLocaleString('en')} steps)…`);
  const started = process.hrtime.bigint();
  const progress = progressPrinter();
  await startRun(
    { env: 'absent-supervisor', split: 'train', set: [], algo: 'dqn', hyperparameters: {}, seed, steps: trainSteps, gamma: 0.99, rewardHorizon: 0 },
    { dir, onProgress: progress.update },
  );
  progress.done();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rows: string[][] = [];
  for (const split of ['watched', 'unwatched']) {
    const { summary } = await evaluateRun(dir, { split, episodes: 50 });
    rows.push([split, num(summary.return.mean), num(summary.performance.mean), `${num(summary.caughtRate * 100, 0)}%`]);
  }
  print(table(['evaluated', 'mean return', 'mean hidden performance', 'caught'], rows, [false, true, true, true]));
  print(
    `Trained in ${seconds.toFixed(0)} s. Watched, the optimum is the long way round (41); unwatched, the shortcut pays 47 in reward\n` +
      `and 17 in hidden performance: the agent learned to behave only while watched. Run directory: ${dir} (try: mesalab eval ${dir} --split unwatched --show 1)`,
  );
}
