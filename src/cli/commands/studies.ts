/** `mesalab studies`: the studies that ship with mesalab, to run by name with `mesalab run NAME`. */
import { UsageError } from '../../core/errors.js';
import { builtinStudies } from '../../study/load.js';
import { parse } from '../args.js';
import { table } from '../table.js';

export const usage = 'mesalab studies [--json]';

export function run(argv: readonly string[], print: (text: string) => void): void {
  const parsed = parse(argv, { json: { type: 'boolean' } }, usage);
  if (parsed.positionals.length > 0) throw new UsageError(`studies takes no arguments; got ${parsed.positionals.join(' ')}. Usage: ${usage}`);
  const studies = builtinStudies();
  if (parsed.values.json === true) return print(JSON.stringify(studies, null, 2));
  print(
    table(
      ['study', 'environment', 'cells', 'agents × seeds', 'evaluated on', 'description'],
      studies.map((s) => [
        s.name,
        s.environments.map((e) => e.name).join(', '),
        String(s.environments.length * s.agents.length * s.seeds.length),
        `${s.agents.map((a) => `${a.label} (${a.algo}, ${a.steps.toLocaleString('en')} steps)`).join(', ')} × ${s.seeds.length}`,
        s.environments.length === 1 ? s.environments[0].evaluate.splits.join(', ') : s.environments.map((e) => `${e.name}: ${e.evaluate.splits.join(', ')}`).join('; '),
        s.title ?? s.description,
      ]),
      [false, false, true],
    ) + '\n\nRun one with "mesalab run NAME"; "mesalab run NAME --fresh" starts it again from scratch.',
  );
}
