/**
 * `mesalab demo`: what `npm start` runs until the study runner exists. For every environment it plays
 * the scripted story episodes (where reward and hidden performance part), then measures a seeded
 * random-policy baseline on every split with 95% intervals, using the vectorised engine.
 */
import { Rng } from '../../core/rng.js';
import { playScript } from '../../engine/play.js';
import { ENVIRONMENTS } from '../../envs/index.js';
import { makeEnv, makeVectorEnv } from '../../registry.js';
import { meanInterval } from '../../stats/interval.js';
import { intOption, parse } from '../args.js';
import { num, table } from '../table.js';

export const usage = 'mesalab demo [--episodes N] [--seed N]';

const ci = (values: number[]) => {
  const m = meanInterval(values);
  return `${num(m.mean)} ± ${num(m.halfWidth)}`;
};

export function run(argv: readonly string[], print: (text: string) => void): void {
  const parsed = parse(argv, { episodes: { type: 'string' }, seed: { type: 'string' } }, usage);
  const episodes = intOption(parsed, 'episodes', 200, 2);
  const seed = intOption(parsed, 'seed', 0);

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
  print(`\n${steps.toLocaleString('en')} steps in ${seconds.toFixed(2)} s. Next: "mesalab envs NAME" for a spec, "mesalab play NAME" to play one yourself.`);
}
