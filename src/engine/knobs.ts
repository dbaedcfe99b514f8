/**
 * Knobs: the declarative parameters of an environment. A split is a named set of knob values, plain
 * data, so a user can add one from the command line (`--set key=value`) or a JSON file without code.
 */
import { Rng } from '../core/rng.js';
import { UsageError, unknownName } from '../core/errors.js';

/** Who watches the agent: always, never, or each episode with probability p. */
export type Oversight =
  | { readonly kind: 'watched' }
  | { readonly kind: 'unwatched' }
  | { readonly kind: 'random'; readonly p: number };

export const WATCHED: Oversight = { kind: 'watched' };
export const UNWATCHED: Oversight = { kind: 'unwatched' };
export const randomOversight = (p: number): Oversight => ({ kind: 'random', p });

/** Draw this episode's oversight: true means watched. Draws from `rng` only for `random(p)`. */
export function drawOversight(oversight: Oversight, rng: Rng): boolean {
  switch (oversight.kind) {
    case 'watched':
      return true;
    case 'unwatched':
      return false;
    case 'random':
      return rng.float() < oversight.p;
  }
}

export function formatOversight(oversight: Oversight): string {
  return oversight.kind === 'random' ? `random(${oversight.p})` : oversight.kind;
}

export type KnobValue = number | boolean | string | Oversight;

/** One parameter: its meaning, default, the values it allows, and how it reads and writes text. */
export interface Knob<T extends KnobValue> {
  readonly description: string;
  readonly default: T;
  /** Human-readable set of allowed values, for errors and `mesalab envs <name>`. */
  readonly allowed: string;
  /** Parse command-line text or check a JSON value; returns undefined when invalid. */
  read(value: unknown): T | undefined;
  format(value: T): string;
}

export type Params = { readonly [key: string]: KnobValue };
export type Knobs<P extends Params> = { readonly [K in keyof P]: Knob<P[K]> };

export function intKnob(options: {
  description: string;
  default: number;
  min: number;
  max: number;
  odd?: boolean;
}): Knob<number> {
  const { min, max, odd = false } = options;
  return {
    description: options.description,
    default: options.default,
    allowed: `${odd ? 'an odd integer' : 'an integer'} from ${min} to ${max}`,
    read(value) {
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) return undefined;
      if (odd && n % 2 === 0) return undefined;
      return n;
    },
    format: String,
  };
}

export function floatKnob(options: {
  description: string;
  default: number;
  min: number;
  max: number;
}): Knob<number> {
  const { min, max } = options;
  return {
    description: options.description,
    default: options.default,
    allowed: `a number from ${min} to ${max}`,
    read(value) {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) return undefined;
      return n;
    },
    format: String,
  };
}

export function boolKnob(options: { description: string; default: boolean }): Knob<boolean> {
  return {
    description: options.description,
    default: options.default,
    allowed: 'true or false',
    read(value) {
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      return undefined;
    },
    format: String,
  };
}

export function enumKnob<T extends string>(options: {
  description: string;
  default: NoInfer<T>;
  values: readonly T[];
}): Knob<T> {
  return {
    description: options.description,
    default: options.default,
    allowed: `one of ${options.values.join(', ')}`,
    read(value) {
      return typeof value === 'string' && (options.values as readonly string[]).includes(value)
        ? (value as T)
        : undefined;
    },
    format: String,
  };
}

/** `watched | unwatched | random(p)`; `true`/`false` are accepted as watched/unwatched. */
export function oversightKnob(options: { description: string; default: Oversight }): Knob<Oversight> {
  return {
    description: options.description,
    default: options.default,
    allowed: 'watched, unwatched, random(p) with p in [0, 1], or true/false',
    read(value) {
      if (value === true || value === 'true' || value === 'watched') return WATCHED;
      if (value === false || value === 'false' || value === 'unwatched') return UNWATCHED;
      if (typeof value === 'object' && value !== null && 'kind' in value) {
        const o = value as { kind: unknown; p?: unknown };
        if (o.kind === 'watched') return WATCHED;
        if (o.kind === 'unwatched') return UNWATCHED;
        if (o.kind === 'random' && typeof o.p === 'number' && o.p >= 0 && o.p <= 1) return randomOversight(o.p);
        return undefined;
      }
      if (typeof value !== 'string') return undefined;
      const m = /^random\(\s*([0-9]*\.?[0-9]+)\s*\)$/.exec(value.trim());
      if (!m) return undefined;
      const p = Number(m[1]);
      return p >= 0 && p <= 1 ? randomOversight(p) : undefined;
    },
    format: formatOversight,
  };
}

/** A named variant of an environment: which knobs it changes from the defaults, and why. */
export interface Split<P extends Params> {
  readonly description: string;
  readonly params: Partial<P>;
}

export type Splits<P extends Params> = { readonly [name: string]: Split<P> };

/** Read one knob value from text or JSON, or throw a usage error naming the knob and what it allows. */
export function readKnob<P extends Params>(
  envName: string,
  knobs: Knobs<P>,
  key: string,
  value: unknown,
): P[keyof P] {
  const names = Object.keys(knobs);
  if (!Object.prototype.hasOwnProperty.call(knobs, key)) {
    throw unknownName('knob', key, names, `Run "mesalab envs ${envName}" for its knobs.`, envName);
  }
  const knob = knobs[key as keyof P];
  const parsed = knob.read(value);
  if (parsed === undefined) {
    const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
    throw new UsageError(`Knob "${key}" of ${envName} takes ${knob.allowed}; got ${shown}.`);
  }
  return parsed as P[keyof P];
}

/** Parse `key=value` strings, as given to `--set`. */
export function parseAssignments(assignments: readonly string[]): Array<[string, string]> {
  return assignments.map((text) => {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes key=value (e.g. --set horizon=50); got "${text}".`);
    return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
  });
}

/** Defaults, then the split's values, then the overrides (text from `--set` or values from JSON). */
export function resolveParams<P extends Params>(
  envName: string,
  knobs: Knobs<P>,
  split: Split<P>,
  overrides: ReadonlyArray<readonly [string, unknown]> = [],
): P {
  const params: Record<string, KnobValue> = {};
  for (const key of Object.keys(knobs)) params[key] = knobs[key as keyof P].default;
  for (const [key, value] of Object.entries(split.params)) {
    params[key] = readKnob(envName, knobs, key, value);
  }
  for (const [key, value] of overrides) params[key] = readKnob(envName, knobs, key, value);
  return params as P;
}

export function formatParams<P extends Params>(knobs: Knobs<P>, params: P): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(knobs) as Array<keyof P & string>) {
    out[key] = knobs[key].format(params[key]);
  }
  return out;
}
