/**
 * Environments by name, apart from their definitions: `makeEnv('maze', {split: 'deploy'})`.
 * Unknown names and splits fail with a did-you-mean.
 */
import { readFileSync } from 'node:fs';
import { UsageError, unknownName } from './core/errors.js';
import { Env } from './engine/env.js';
import { parseAssignments, resolveParams, type Params, type Split } from './engine/knobs.js';
import type { EnvSpec } from './engine/spec.js';
import { VectorEnv } from './engine/vector.js';
import { ENVIRONMENTS } from './envs/index.js';

const BY_NAME = new Map<string, EnvSpec<Params>>(ENVIRONMENTS.map((spec) => [spec.name, spec]));

export function envNames(): string[] {
  return [...BY_NAME.keys()];
}

export function getEnvSpec(name: string): EnvSpec<Params> {
  const spec = BY_NAME.get(name);
  if (!spec) throw unknownName('environment', name, envNames(), 'Run "mesalab envs" for the list.');
  return spec;
}

/** A split that a user declares as data: a base split plus knob values. */
export interface CustomSplit {
  readonly extends?: string;
  readonly description?: string;
  readonly set: Readonly<Record<string, unknown>>;
}

export function getSplit(spec: EnvSpec<Params>, name: string, custom: Readonly<Record<string, CustomSplit>> = {}): Split<Params> {
  const builtIn = spec.splits[name];
  if (builtIn) return builtIn;
  const declared = custom[name];
  if (!declared) {
    throw unknownName('split', name, [...Object.keys(spec.splits), ...Object.keys(custom)], `Run "mesalab envs ${spec.name}" for its splits.`, spec.name);
  }
  const base = declared.extends === undefined ? { description: '', params: {} } : getSplit(spec, declared.extends, {});
  const params = { ...base.params } as Record<string, unknown>;
  const resolved = resolveParams(spec.name, spec.knobs, { description: '', params: {} }, Object.entries(declared.set));
  for (const key of Object.keys(declared.set)) params[key] = resolved[key];
  return { description: declared.description ?? `custom split of ${spec.name}`, params: params as Partial<Params> };
}

/**
 * Read custom splits from a JSON file: `{"maze": {"small": {"extends": "train", "set": {"size": 7}}}}`.
 * Returns the splits declared for `envName`.
 */
export function loadSplitFile(path: string, envName: string): Record<string, CustomSplit> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read split file ${path}: ${(error as Error).message}`);
  }
  const shape = 'It must look like {"maze": {"small": {"extends": "train", "set": {"size": 7}}}}.';
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError(`Split file ${path} is not a JSON object. ${shape}`);
  const forEnv = (data as Record<string, unknown>)[envName];
  if (forEnv === undefined) return {};
  if (typeof forEnv !== 'object' || forEnv === null) throw new UsageError(`Split file ${path}: "${envName}" must map split names to splits. ${shape}`);
  const out: Record<string, CustomSplit> = {};
  for (const [name, value] of Object.entries(forEnv as Record<string, unknown>)) {
    const v = value as Partial<CustomSplit> | null;
    if (typeof v !== 'object' || v === null || typeof v.set !== 'object' || v.set === null) {
      throw new UsageError(`Split file ${path}: split "${envName}.${name}" needs a "set" object of knob values. ${shape}`);
    }
    if (v.extends !== undefined && typeof v.extends !== 'string') throw new UsageError(`Split file ${path}: "${envName}.${name}.extends" must be a split name.`);
    out[name] = { extends: v.extends, description: typeof v.description === 'string' ? v.description : undefined, set: v.set };
  }
  return out;
}

export interface MakeOptions {
  readonly split?: string;
  /** `key=value` strings as from `--set`, or [key, value] pairs from a config. */
  readonly set?: ReadonlyArray<string | readonly [string, unknown]>;
  readonly customSplits?: Readonly<Record<string, CustomSplit>>;
}

export function resolveEnvParams(name: string, options: MakeOptions = {}): { spec: EnvSpec<Params>; split: string; params: Params } {
  const spec = getEnvSpec(name);
  const split = options.split ?? 'train';
  const overrides = (options.set ?? []).map((s) => (typeof s === 'string' ? parseAssignments([s])[0] : s));
  const params = resolveParams(spec.name, spec.knobs, getSplit(spec, split, options.customSplits), overrides);
  return { spec, split, params };
}

export function makeEnv(name: string, options: MakeOptions & { seed?: number } = {}): Env<Params> {
  const { spec, split, params } = resolveEnvParams(name, options);
  return new Env(spec, params, split, options.seed ?? 0);
}

export function makeVectorEnv(name: string, n: number, options: MakeOptions = {}): VectorEnv<Params> {
  const { spec, params } = resolveEnvParams(name, options);
  return new VectorEnv(spec, params, n);
}
