/**
 * Base optimizers by name, apart from their definitions: `--algo ppo`. Hyperparameter overrides
 * (`--hp key=value`) are checked against the algorithm's defaults: unknown keys and wrong types fail.
 */
import { UsageError, unknownName } from '../core/errors.js';
import { ALGORITHMS } from '../algos/index.js';
import type { Algorithm } from './types.js';

const REGISTERED: readonly Algorithm[] = ALGORITHMS;

export function algorithmNames(): string[] {
  return REGISTERED.map((a) => a.name);
}

export function getAlgorithm(name: string): Algorithm {
  const found = REGISTERED.find((a) => a.name === name);
  if (!found) throw unknownName('algorithm', name, algorithmNames(), 'Run "mesalab algos" for the list.');
  return found;
}

/** Parse `key=value` overrides into typed values, by the type of each default. */
export function parseHyperparameters(algorithm: Algorithm, assignments: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const defaults = algorithm.defaults as Record<string, unknown>;
  for (const text of assignments) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--hp takes key=value (e.g. --hp learningRate=0.001); got "${text}".`);
    const key = text.slice(0, eq).trim();
    const raw = text.slice(eq + 1).trim();
    if (!(key in defaults)) throw unknownName('hyperparameter', key, Object.keys(defaults), `Run "mesalab algos ${algorithm.name}" for them.`, algorithm.name);
    const fallback = defaults[key];
    if (typeof fallback === 'number') {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) throw new UsageError(`Hyperparameter "${key}" of ${algorithm.name} takes a number; got "${raw}".`);
      out[key] = n;
    } else if (typeof fallback === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`Hyperparameter "${key}" of ${algorithm.name} takes true or false; got "${raw}".`);
      out[key] = raw === 'true';
    } else if (typeof fallback === 'string') {
      out[key] = raw;
    } else {
      try {
        out[key] = JSON.parse(raw);
      } catch {
        throw new UsageError(`Hyperparameter "${key}" of ${algorithm.name} takes JSON (like ${JSON.stringify(fallback)}); got "${raw}".`);
      }
    }
  }
  return out;
}

/** The algorithm's defaults with `overrides` applied (overrides already validated). */
export function resolveAlgorithmConfig(algorithm: Algorithm, overrides: Readonly<Record<string, unknown>>): object {
  const defaults = algorithm.defaults as Record<string, unknown>;
  for (const key of Object.keys(overrides)) {
    if (!(key in defaults)) throw unknownName('hyperparameter', key, Object.keys(defaults), undefined, algorithm.name);
  }
  return { ...defaults, ...overrides };
}
