/** `mesalab algos [NAME]`: the base optimizers and their hyperparameters with defaults. */
import { UsageError } from '../../core/errors.js';
import { ALGORITHMS } from '../../algos/index.js';
import { getAlgorithm } from '../../train/algorithms.js';
import { parse } from '../args.js';
import { table } from '../table.js';

export const usage = 'mesalab algos [NAME] [--json]';

export function run(argv: readonly string[], print: (text: string) => void): void {
  const parsed = parse(argv, { json: { type: 'boolean' } }, usage);
  const [name, ...extra] = parsed.positionals;
  if (extra.length > 0) throw new UsageError(`algos takes at most one name. Usage: ${usage}`);
  if (name !== undefined) {
    const algorithm = getAlgorithm(name);
    if (parsed.values.json === true) return print(JSON.stringify({ name: algorithm.name, summary: algorithm.summary, defaults: algorithm.defaults }, null, 2));
    print(`${algorithm.name}: ${algorithm.summary}\n\nHyperparameters (override with --hp key=value)`);
    print(table(['name', 'default'], Object.entries(algorithm.defaults).map(([k, v]) => [k, JSON.stringify(v)])));
    return;
  }
  if (parsed.values.json === true) return print(JSON.stringify(ALGORITHMS.map((a) => ({ name: a.name, summary: a.summary, defaults: a.defaults })), null, 2));
  print(table(['algorithm', 'summary'], ALGORITHMS.map((a) => [a.name, a.summary])) + '\n\nRun "mesalab algos NAME" for its hyperparameters.');
}
