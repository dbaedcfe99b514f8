/**
 * The mix of agent types a set of histories draws from, written `aligned:0.4,deceptive:0.3,proxy:0.2,goodhart:0.1`.
 * Weights need not sum to 1: each history draws its type with probability weight / total.
 */
import { UsageError, unknownName } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { AGENT_TYPES, type AgentType } from './agents.js';

export interface MixEntry {
  readonly agent: AgentType;
  readonly weight: number;
}
/** Agent types with positive weights, in the order given. */
export type AgentMix = readonly MixEntry[];

const EXAMPLE = 'aligned:0.4,deceptive:0.3,proxy:0.2,goodhart:0.1';

export function parseAgentMix(text: string): AgentMix {
  const entries: MixEntry[] = [];
  const parts = text.split(',').map((part) => part.trim());
  if (text.trim() === '' || parts.some((part) => part === '')) {
    throw new UsageError(`--agents takes TYPE:WEIGHT pairs separated by commas, e.g. ${EXAMPLE}; got "${text}".`);
  }
  for (const part of parts) {
    const colon = part.indexOf(':');
    if (colon < 0) throw new UsageError(`--agents entry "${part}" needs a weight: write it TYPE:WEIGHT, e.g. ${EXAMPLE}.`);
    const name = part.slice(0, colon).trim();
    const weightText = part.slice(colon + 1).trim();
    if (!(AGENT_TYPES as readonly string[]).includes(name)) {
      throw unknownName('agent type', name, AGENT_TYPES, `Write --agents like ${EXAMPLE}.`);
    }
    const weight = Number(weightText);
    if (weightText === '' || !Number.isFinite(weight) || weight <= 0) {
      throw new UsageError(`--agents weight of ${name} must be a positive number; got "${weightText}". Leave a type out to give it none.`);
    }
    if (entries.some((e) => e.agent === name)) throw new UsageError(`--agents names ${name} twice; give each type once.`);
    entries.push({ agent: name as AgentType, weight });
  }
  return entries;
}

/** `aligned:0.4,deceptive:0.3`: the text `parseAgentMix` reads. */
export function formatAgentMix(mix: AgentMix): string {
  return mix.map((e) => `${e.agent}:${e.weight}`).join(',');
}

/** One agent type drawn with probability weight / total: one draw from `rng`. */
export function drawAgent(mix: AgentMix, rng: Rng): AgentType {
  let total = 0;
  for (const entry of mix) total += entry.weight;
  let u = rng.float() * total;
  for (const entry of mix) {
    u -= entry.weight;
    if (u < 0) return entry.agent;
  }
  // Rounding can leave u a hair above 0 after the last entry.
  return mix[mix.length - 1].agent;
}
