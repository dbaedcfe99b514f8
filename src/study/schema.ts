/**
 * A study as data: the environments (each with the split to train on and the splits to evaluate
 * on), agents (a label, a base optimizer and its settings), seeds, the audits to run and the report
 * to draw. A file names one environment with top-level `environment`, `train` and `evaluate`, or
 * several with `environments: [{name, train, evaluate}, …]`; both become the one form the rest of
 * the code reads, `StudySpec.environments`. `validateStudy` checks a parsed file in two passes: its
 * shape (zod, strict: unknown fields are errors), then its names against the registries (environments,
 * splits, knobs, base optimizers, hyperparameters, and whether each optimizer can train on each
 * environment). Every problem is one line that names the field as the file wrote it, the bad value
 * and what is allowed; all of them come together in one UsageError.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { closest, MesalabError, UsageError } from '../core/errors.js';
import { readKnob, type Params } from '../engine/knobs.js';
import type { EnvSpec } from '../engine/spec.js';
import { getEnvSpec, getSplit } from '../registry.js';
import type { Json, Study } from '../store/types.js';
import { getAlgorithm, parseHyperparameters, resolveAlgorithmConfig } from '../train/algorithms.js';
import { setupFor, type RunConfig } from '../train/run.js';
import { AUDITS as AUDIT_REGISTRY, getAudit } from '../audits/index.js';

/** A knob value as a study file writes it: `supervisor: true`, `size: 9`, `lighting: night`. */
export type KnobSetting = string | number | boolean;

/**
 * What a study can audit: `evaluation` (the summaries every study prints), and every audit of
 * `mesalab audit`, run on each cell whose environment it suits, after its evaluation.
 */
export const AUDITS = ['evaluation', ...AUDIT_REGISTRY.map((a) => a.name)] as [string, ...string[]];
export type AuditKind = string;

export const DEFAULT_EPISODES = 100;
export const DEFAULT_GAMMA = 0.99;
const MAX_EPISODES = 100_000;
const MAX_SEEDS = 1000;

const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const knobSettings = z.record(z.union([z.string(), z.number(), z.boolean()])).default({});

const agentShape = {
  label: z.string().regex(LABEL).max(40),
  algo: z.string(),
  steps: z.number().int().min(1).max(1e12),
  hp: z.record(z.unknown()).default({}),
  gamma: z.number().min(0).max(1).default(DEFAULT_GAMMA),
  horizon: z.number().int().min(0).default(0),
};
const trainShape = { split: z.string().default('train'), set: knobSettings };
const evaluateShape = {
  splits: z.array(z.string()).min(1),
  episodes: z.number().int().min(2).max(MAX_EPISODES).default(DEFAULT_EPISODES),
  set: knobSettings,
};
/** An audit by name, or with the splits it plays where its defaults do not suit the study. */
const auditShape = { name: z.enum(AUDITS), split: z.string().optional(), against: z.string().optional() };
const reportShape = { replays: z.number().int().min(0).default(1), heatmaps: z.boolean().default(true) };

/** `[0, 1, 2]`, `"0-2"`, `"0,1,2"` or `3`: distinct non-negative integers, in the order given. */
const seeds = z.unknown().transform((value, ctx): number[] => {
  let list: unknown[] | undefined;
  if (typeof value === 'number') list = [value];
  else if (Array.isArray(value)) list = value;
  else if (typeof value === 'string') {
    const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(value);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      list = to >= from && to - from < MAX_SEEDS ? Array.from({ length: to - from + 1 }, (_, i) => from + i) : undefined;
    } else if (/^\s*\d+(\s*,\s*\d+)*\s*$/.test(value)) list = value.split(',').map(Number);
  }
  const ok = list !== undefined && list.length > 0 && list.length <= MAX_SEEDS && list.every((s) => Number.isSafeInteger(s) && (s as number) >= 0);
  if (!ok || new Set(list).size !== list!.length) {
    ctx.addIssue({ code: z.ZodIssueCode.custom });
    return z.NEVER;
  }
  return list as number[];
});

const headShape = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/).max(80),
  title: z.string().max(200).optional(),
  description: z.string().default(''),
};
/** The single-environment way of writing it: what every study file looked like before there could be several. */
const oneShape = {
  environment: z.string(),
  train: z.object(trainShape).strict().default({}),
  evaluate: z.object(evaluateShape).strict(),
};
/** Several: each environment with its own training split and evaluation splits, written as they are for one. */
const environmentShape = { name: z.string(), train: oneShape.train, evaluate: oneShape.evaluate };
const severalShape = { environments: z.array(z.object(environmentShape).strict()).min(1) };
const tailShape = {
  agents: z.array(z.object(agentShape).strict()).min(1),
  seeds: seeds.default([0]),
  audits: z.array(z.union([z.enum(AUDITS), z.object(auditShape).strict()])).default(['evaluation']),
  report: z.object(reportShape).strict().default({}),
};
const oneSchema = z.object({ ...headShape, ...oneShape, ...tailShape }).strict();
const severalSchema = z.object({ ...headShape, ...severalShape, ...tailShape }).strict();

export type AuditEntry = StudySpec['audits'][number];

/** An audits-list entry's audit name. */
export const auditName = (entry: AuditEntry): string => (typeof entry === 'string' ? entry : entry.name);

/** The split options an audits-list entry gives (none for a bare name). */
export function auditSplits(entry: AuditEntry): { split?: string; against?: string } {
  if (typeof entry === 'string') return {};
  return { ...(entry.split === undefined ? {} : { split: entry.split }), ...(entry.against === undefined ? {} : { against: entry.against }) };
}

/** A validated study, defaults filled in, its environments as a list however the file wrote them. */
export type StudySpec = z.output<typeof severalSchema>;
/** One environment of a study: its name, the split to train on and the splits to evaluate on. */
export type EnvironmentPlan = StudySpec['environments'][number];
export type AgentSpec = StudySpec['agents'][number];
/** A study of one environment as a file may write it: most fields may be left out. */
export type OneEnvironmentInput = z.input<typeof oneSchema>;
/** A study of several environments as a file may write it. */
export type SeveralEnvironmentsInput = z.input<typeof severalSchema>;
export type StudyInput = OneEnvironmentInput | SeveralEnvironmentsInput;

/** The fields each object allows, by path with list indices as `[]`: for "unknown field" errors. */
const FIELDS: Readonly<Record<string, readonly string[]>> = {
  '': [...Object.keys(headShape), ...Object.keys(oneShape), ...Object.keys(severalShape), ...Object.keys(tailShape)],
  train: Object.keys(trainShape),
  evaluate: Object.keys(evaluateShape),
  'environments[]': Object.keys(environmentShape),
  'environments[].train': Object.keys(trainShape),
  'environments[].evaluate': Object.keys(evaluateShape),
  'agents[]': Object.keys(agentShape),
  report: Object.keys(reportShape),
};

/** What `train` and `evaluate` allow, top-level or in each of `environments`. */
const PLAN_ALLOWED: Readonly<Record<string, string>> = {
  train: `an object with the fields ${FIELDS.train.join(', ')}`,
  'train.split': 'a split name of the environment',
  'train.set': 'an object of knob values, e.g. {supervisor: true}',
  'train.set.*': 'a knob value: text, a number, or true/false',
  evaluate: `an object with the fields ${FIELDS.evaluate.join(', ')}`,
  'evaluate.splits': 'a non-empty list of split names of the environment',
  'evaluate.splits[]': 'a split name of the environment',
  'evaluate.episodes': `an integer from 2 to ${MAX_EPISODES} (episodes per split and seed; an interval needs two)`,
  'evaluate.set': 'an object of knob values applied to every evaluation split',
  'evaluate.set.*': 'a knob value: text, a number, or true/false',
};

/** What each field allows, by path with list indices as `[]` and free keys as `*`. */
const ALLOWED: Readonly<Record<string, string>> = {
  '': `an object with the fields ${FIELDS[''].join(', ')}`,
  name: 'a name of letters, digits, spaces, ".", "_" or "-", up to 80 characters (e.g. strawberry)',
  title: 'text, up to 200 characters',
  description: 'text',
  environment: 'an environment name (mesalab envs lists them); for several, leave it out and write environments: [{name, evaluate}, …]',
  ...PLAN_ALLOWED,
  environments: `a non-empty list of environments, each {${FIELDS['environments[]'].join(', ')}}`,
  'environments[]': `an object with the fields ${FIELDS['environments[]'].join(', ')}`,
  'environments[].name': 'an environment name (mesalab envs lists them), each once in the study',
  ...Object.fromEntries(Object.entries(PLAN_ALLOWED).map(([path, text]) => [`environments[].${path}`, text])),
  agents: `a non-empty list of agents, each {${FIELDS['agents[]'].join(', ')}}`,
  'agents[]': `an object with the fields ${FIELDS['agents[]'].join(', ')}`,
  'agents[].label': 'a label of letters, digits, ".", "_" or "-" (it names the run directories), unique in the study',
  'agents[].algo': 'a base optimizer name (mesalab algos lists them)',
  'agents[].steps': 'an integer ≥ 1 (environment steps to train for)',
  'agents[].hp': 'an object of hyperparameters (mesalab algos NAME lists them with their defaults)',
  'agents[].gamma': 'a number from 0 to 1 (the discount factor)',
  'agents[].horizon': 'an integer ≥ 0 (the reward horizon H: returns truncated after H steps; 0: none)',
  seeds: `a list of distinct non-negative integers ([0, 1, 2]), a range ("0-2"), or one integer; at most ${MAX_SEEDS}`,
  audits: `a list of audits: ${AUDITS.join(', ')}`,
  'audits[]': `one of ${AUDITS.join(', ')}`,
  report: `an object with the fields ${FIELDS.report.join(', ')}`,
  'report.replays': 'an integer from 0 to evaluate.episodes, that of every environment where there are several (episodes per split drawn frame by frame)',
  'report.heatmaps': 'true or false',
};

type Path = ReadonlyArray<string | number>;

/** `agents[0].hp.learningRate`; the study itself is "the study". */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? 'the study' : out;
}

function allowedAt(path: Path): string {
  const normal = path.map((p) => (typeof p === 'number' ? '[]' : `.${p}`)).join('').replace(/^\./, '');
  if (ALLOWED[normal] !== undefined) return ALLOWED[normal];
  const parent = path.slice(0, -1).map((p) => (typeof p === 'number' ? '[]' : `.${p}`)).join('').replace(/^\./, '');
  return ALLOWED[`${parent}.*`] ?? 'see the study format in the README';
}

function valueAt(input: unknown, path: Path): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

/** A value as the error shows it: JSON, cut short. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** `topFields`: the fields the study itself allows, in the form it is written. */
function issueLine(issue: z.ZodIssue, input: unknown, topFields: readonly string[]): string {
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    const normal = issue.path.map((p) => (typeof p === 'number' ? '[]' : `.${p}`)).join('').replace(/^\./, '');
    const fields = normal === '' ? topFields : FIELDS[normal] ?? [];
    return issue.keys
      .map((key) => {
        const guess = closest(key, fields);
        return `${formatPath([...issue.path, key])}: unknown field${guess ? `; did you mean "${guess}"?` : '.'} Allowed fields: ${fields.join(', ')}.`;
      })
      .join('\n');
  }
  const value = valueAt(input, issue.path);
  const got = value === undefined ? 'missing' : `got ${showValue(value)}`;
  return `${formatPath(issue.path)}: ${got}; allowed: ${allowedAt(issue.path)}.`;
}

/** Problems found so far, each one line. */
class Problems {
  readonly lines: string[] = [];
  add(path: Path, message: string): void {
    this.lines.push(`${formatPath(path)}: ${message}`);
  }
  /**
   * Run a registry lookup; its UsageError (which names the value and the choices) becomes a problem
   * at `path`, after `context` where the message needs more to say where it happened.
   */
  check<T>(path: Path, lookup: () => T, context = ''): T | undefined {
    try {
      return lookup();
    } catch (error) {
      if (!(error instanceof MesalabError)) throw error;
      this.add(path, `${context}${error.message}`);
      return undefined;
    }
  }
}

/** The fields of the single-environment form, which a study of several gives per environment instead. */
const ONE_ENVIRONMENT_FIELDS = Object.keys(oneShape);

/** How the file wrote its environments: the paths that errors name depend on it. */
type Form = 'one' | 'several';

/** The first pass: the study's shape, in whichever form it is written, as the one form. */
function parseShape(input: unknown): { study?: StudySpec; form: Form; lines: string[] } {
  const fields = input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
  if (fields === undefined || !('environments' in fields)) {
    const parsed = oneSchema.safeParse(input);
    if (!parsed.success) return { form: 'one', lines: issueLines(parsed.error.issues, input, 'one') };
    const { name, title, description, environment, train, evaluate, agents, seeds, audits, report } = parsed.data;
    return { study: { name, ...(title === undefined ? {} : { title }), description, environments: [{ name: environment, train, evaluate }], agents, seeds, audits, report }, form: 'one', lines: [] };
  }
  // Both forms at once: say so, and check the rest as a study of several environments.
  const lines = ONE_ENVIRONMENT_FIELDS.filter((key) => key in fields).map((key) =>
    key === 'environment'
      ? 'environment: not allowed beside environments; allowed: either environment (with train and evaluate) for a study of one environment, or environments, each {name, train, evaluate}, for several.'
      : `${key}: not allowed beside environments; allowed: each environment's own (environments[].${key}).`,
  );
  const rest = Object.fromEntries(Object.entries(fields).filter(([key]) => !ONE_ENVIRONMENT_FIELDS.includes(key)));
  const parsed = severalSchema.safeParse(rest);
  if (!parsed.success) lines.push(...issueLines(parsed.error.issues, rest, 'several'));
  return parsed.success && lines.length === 0 ? { study: parsed.data, form: 'several', lines } : { form: 'several', lines };
}

function issueLines(issues: readonly z.ZodIssue[], input: unknown, form: Form): string[] {
  // A study of one environment may still learn of `environments`; one of several has no use for `environment`.
  const topFields = form === 'one' ? FIELDS[''] : FIELDS[''].filter((key) => !ONE_ENVIRONMENT_FIELDS.includes(key));
  return issues.map((issue) => issueLine(issue, input, topFields)).join('\n').split('\n');
}

/**
 * Validate a parsed study (from YAML, JSON, a built-in, or the store) and fill in its defaults.
 * `source` names it in errors: a file path, or `built-in study "strawberry"`.
 */
export function validateStudy(input: unknown, source: string): StudySpec {
  const { study, form, lines } = parseShape(input);
  if (study === undefined) throw studyError(source, lines);
  const problems = new Problems();
  // Paths as the file wrote them: `evaluate.splits[0]` for one environment, `environments[1].evaluate.splits[0]` for several.
  const at = (i: number, ...path: Path): Path => (form === 'one' ? path : ['environments', i, ...path]);
  const specs = study.environments.map((plan, i) => {
    const namePath = form === 'one' ? ['environment'] : ['environments', i, 'name'];
    const first = study.environments.findIndex((e) => e.name === plan.name);
    if (first !== i) {
      problems.add(namePath, `got "${plan.name}" again; allowed: each environment once (environments[${first}] is ${plan.name} already).`);
      return undefined;
    }
    const spec = problems.check(namePath, () => getEnvSpec(plan.name));
    if (spec === undefined) return undefined;
    problems.check(at(i, 'train', 'split'), () => getSplit(spec, plan.train.split));
    checkKnobs(spec, plan.train.set, at(i, 'train', 'set'), problems);
    plan.evaluate.splits.forEach((split, j) => {
      problems.check(at(i, 'evaluate', 'splits', j), () => getSplit(spec, split));
      const earlier = plan.evaluate.splits.indexOf(split);
      if (earlier !== j) problems.add(at(i, 'evaluate', 'splits', j), `got "${split}" again; allowed: each split once (it is ${formatPath(at(i, 'evaluate', 'splits', earlier))} already).`);
    });
    checkKnobs(spec, plan.evaluate.set, at(i, 'evaluate', 'set'), problems);
    return spec;
  });
  study.agents.forEach((agent, i) => {
    const first = study.agents.findIndex((a) => a.label === agent.label);
    if (first !== i) problems.add(['agents', i, 'label'], `got "${agent.label}" again; allowed: ${ALLOWED['agents[].label']} (agents[${first}] has it).`);
    const algorithm = problems.check(['agents', i, 'algo'], () => getAlgorithm(agent.algo));
    if (algorithm === undefined) return;
    const typed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(agent.hp)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      const one = problems.check(['agents', i, 'hp', key], () => parseHyperparameters(algorithm, [`${key}=${text}`]));
      if (one !== undefined) Object.assign(typed, one);
    }
    agent.hp = typed;
    // What the optimizer itself refuses (tabular optimizers without state ids, …), on each environment's training split.
    study.environments.forEach((plan, e) => {
      if (specs[e] === undefined || problems.lines.length > 0) return;
      const where = form === 'one' ? '' : `agent "${agent.label}" cannot train on ${plan.name} (environments[${e}]): `;
      problems.check(['agents', i], () => algorithm.check?.(setupFor(cellConfig(plan, agent, study.seeds[0])).setup, resolveAlgorithmConfig(algorithm, typed)), where);
    });
  });
  // An audit must suit at least one environment (compliance-gap needs oversight, …); cells of the others skip it.
  const names = study.audits.map(auditName);
  names.forEach((name, i) => {
    if (name === 'evaluation') return;
    const first = names.indexOf(name);
    if (first !== i) return problems.add(['audits', i], `got "${name}" again; allowed: each audit once (audits[${first}] is ${name} already).`);
    const reasons = specs.flatMap((spec) => (spec === undefined ? [] : [getAudit(name).unavailable(spec)]));
    if (reasons.length > 0 && reasons.every((r) => r !== undefined)) problems.add(['audits', i], `got "${name}", which suits none of the study's environments: ${reasons.join(' ')}`);
    // Splits named for an audit must exist in every environment it runs on.
    const { split, against } = auditSplits(study.audits[i]);
    for (const [key, value] of [['split', split], ['against', against]] as const) {
      if (value === undefined) continue;
      specs.forEach((spec, e) => {
        if (spec !== undefined && getAudit(name).unavailable(spec) === undefined) problems.check(['audits', i, key], () => getSplit(spec, value), form === 'one' ? '' : `${study.environments[e].name}: `);
      });
    }
  });
  const fewest = study.environments.reduce((low, plan, e) => (plan.evaluate.episodes < study.environments[low].evaluate.episodes ? e : low), 0);
  const episodes = study.environments[fewest].evaluate.episodes;
  if (study.report.replays > episodes) {
    const which = form === 'one' ? 'evaluate.episodes' : `environments[${fewest}].evaluate.episodes, the fewest of its environments`;
    problems.add(['report', 'replays'], `got ${study.report.replays}; allowed: an integer from 0 to ${which}, which is ${episodes}.`);
  }
  if (problems.lines.length > 0) throw studyError(source, problems.lines);
  return study;
}

/**
 * A study as the store keeps it, validated into the one form. Studies stored before there could be
 * several environments, and any of one since, are kept in the single-environment form (`studyRecord`).
 */
export function readStoredStudy(record: Study): StudySpec {
  return validateStudy(record.spec, `study ${record.id}`);
}

function checkKnobs(spec: EnvSpec<Params>, set: Readonly<Record<string, KnobSetting>>, path: Path, problems: Problems): void {
  for (const [key, value] of Object.entries(set)) problems.check([...path, key], () => readKnob(spec.name, spec.knobs, key, value));
}

function studyError(source: string, lines: readonly string[]): UsageError {
  if (lines.length === 1) return new UsageError(`${source}: ${lines[0]}`);
  return new UsageError(`${source} has ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

/** Knob settings as the run loop takes them (`--set` pairs). */
export function knobPairs(set: Readonly<Record<string, KnobSetting>>): Array<[string, string]> {
  return Object.entries(set).map(([key, value]) => [key, String(value)]);
}

/** The run configuration of one cell: this agent, trained on this environment with this seed. */
export function cellConfig(plan: EnvironmentPlan, agent: AgentSpec, seed: number): RunConfig {
  return {
    env: plan.name,
    split: plan.train.split,
    set: knobPairs(plan.train.set),
    algo: agent.algo,
    hyperparameters: agent.hp,
    seed,
    steps: agent.steps,
    gamma: agent.gamma,
    rewardHorizon: agent.horizon,
  };
}

/** JSON with object keys sorted, so that equal studies hash equally whatever order a file wrote. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A study as the store keeps it and as its hash reads it. A study of one environment is written the
 * single-environment way (`environment`, `train`, `evaluate`), as every study was before there could
 * be several, however its file wrote it: so a study unchanged since then keeps its hash, and running
 * it again resumes it. Takes a validated study or a stored one; anything else comes back as it was.
 */
export function studyRecord(study: StudySpec | Json): Json {
  if (study === null || typeof study !== 'object' || Array.isArray(study)) return study as Json;
  const { environments, ...rest } = study as Record<string, unknown>;
  if (!Array.isArray(environments) || environments.length !== 1) return study as Json;
  const { name, train, evaluate } = environments[0] as Record<string, Json>;
  return { ...rest, environment: name, train, evaluate } as Json;
}

/** What identifies a study's content: 12 hex digits of the SHA-256 of its record (validated, or as stored). */
export function studyHash(study: StudySpec | Json): string {
  return createHash('sha256').update(canonicalJson(studyRecord(study))).digest('hex').slice(0, 12);
}
