/** `mesalab envs [name] [--json]`: the environment suite, or one environment's spec. */
import { UsageError } from '../../core/errors.js';
import { formatParams, resolveParams } from '../../engine/knobs.js';
import type { EnvSpec } from '../../engine/spec.js';
import type { Params } from '../../engine/knobs.js';
import { ENVIRONMENTS } from '../../envs/index.js';
import { getEnvSpec } from '../../registry.js';
import { parse } from '../args.js';
import { table } from '../table.js';

export const usage = 'mesalab envs [NAME] [--json]';

export function describeEnv(spec: EnvSpec<Params>) {
  const defaults = resolveParams(spec.name, spec.knobs, { description: '', params: {} });
  return {
    name: spec.name,
    summary: spec.summary,
    doc: spec.doc,
    actions: spec.actions.map((a) => ({ letter: a.letter, name: a.name, ...(a.description ? { description: a.description } : {}) })),
    objectives: spec.objectives.map((o) => ({ name: o.name, intended: o.intended === true, description: o.description })),
    knobs: Object.fromEntries(
      Object.entries(spec.knobs).map(([key, knob]) => [key, { description: knob.description, default: knob.format(knob.default as never), allowed: knob.allowed }]),
    ),
    splits: Object.fromEntries(
      Object.entries(spec.splits).map(([name, split]) => [
        name,
        { description: split.description, params: formatParams(spec.knobs, resolveParams(spec.name, spec.knobs, split)) },
      ]),
    ),
    observation: spec.observationShape(defaults),
    stateCount: spec.stateCount(defaults),
  };
}

function specText(spec: EnvSpec<Params>): string {
  const d = describeEnv(spec);
  const shape = d.observation;
  const knobNames = Object.keys(d.knobs);
  const out: string[] = [];
  out.push(`${spec.name}: ${spec.summary}`, '');
  out.push('Description', indent(spec.doc.description), '');
  out.push('Actions', indent(d.actions.map((a) => `${a.letter}  ${a.name}${a.description ? `: ${a.description}` : ''}`).join('\n')), '');
  out.push(
    'Observation',
    indent(`${spec.doc.observation}\nShape with default knobs: [${shape.channels.length}, ${shape.height}, ${shape.width}]; state ids: ${d.stateCount ?? 'none (state space too large)'}.`),
    '',
  );
  out.push('Rewards', indent(spec.doc.rewards), '');
  out.push('Candidate objectives', indent(d.objectives.map((o) => `${o.name}${o.intended ? ' (intended: the hidden performance)' : ''}: ${o.description}`).join('\n')), '');
  out.push('Termination', indent(spec.doc.termination), '');
  out.push('Knobs (set with --set key=value)');
  out.push(indent(table(['knob', 'default', 'allowed', 'meaning'], knobNames.map((k) => [k, d.knobs[k].default, d.knobs[k].allowed, d.knobs[k].description]))), '');
  out.push('Variants (--split NAME)');
  out.push(
    indent(
      table(
        ['split', ...knobNames, 'description'],
        Object.entries(d.splits).map(([name, s]) => [name, ...knobNames.map((k) => s.params[k]), s.description]),
      ),
    ),
  );
  return out.join('\n');
}

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`).join('\n');

export function run(argv: readonly string[], print: (text: string) => void): void {
  const parsed = parse(argv, { json: { type: 'boolean' } }, usage);
  const json = parsed.values.json === true;
  const [name, ...extra] = parsed.positionals;
  if (extra.length > 0) throw new UsageError(`envs takes at most one name; got ${parsed.positionals.join(' ')}. Usage: ${usage}`);
  if (name !== undefined) {
    const spec = getEnvSpec(name);
    print(json ? JSON.stringify(describeEnv(spec), null, 2) : specText(spec));
    return;
  }
  if (json) {
    print(JSON.stringify(ENVIRONMENTS.map(describeEnv), null, 2));
    return;
  }
  print(
    table(
      ['environment', 'splits', 'candidate objectives (intended first)', 'summary'],
      ENVIRONMENTS.map((s) => [
        s.name,
        Object.keys(s.splits).join(', '),
        [...s.objectives].sort((a, b) => Number(b.intended === true) - Number(a.intended === true)).map((o) => o.name).join(', '),
        s.summary,
      ]),
    ) + '\n\nRun "mesalab envs NAME" for an environment\'s spec, actions and splits.',
  );
}
