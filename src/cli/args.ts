/**
 * Command-line parsing over `node:util` parseArgs, with errors a person can act on: an unknown flag
 * gets a did-you-mean and the command's help line.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, closest } from '../core/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

export function parse(argv: readonly string[], options: OptionSpec, usage: string): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
    if (unknown) {
      const flags = Object.keys(options).map((o) => `--${o}`);
      const guess = closest(unknown[1], flags);
      throw new UsageError(`Unknown option ${unknown[1]}${guess ? `: did you mean ${guess}?` : '.'} Usage: ${usage}`);
    }
    throw new UsageError(`${message.replace(/\.$/, '')}. Usage: ${usage}`);
  }
}

export function stringOption(parsed: Parsed, name: string): string | undefined {
  const v = parsed.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listOption(parsed: Parsed, name: string): string[] {
  const v = parsed.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function intOption(parsed: Parsed, name: string, fallback: number, min = 0): number {
  const text = stringOption(parsed, name);
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} takes an integer ≥ ${min}; got "${text}".`);
  }
  return Number(text);
}
