/**
 * The generator: one life per history. Each history k takes the k-th fork of the rng passed in, so it
 * is the same whatever the number of histories; it forks that again into the world's stream (oversight
 * draws and layouts) and the agent's (action noise and modification draws), then draws its type, so
 * history k's mazes are the same whatever agent lives in them.
 *
 *   rng --fork--> history 0 --fork--> world  (watched?, maze, cheese, sensor per episode)
 *    |                  |------fork--> agent  (noise per step, fix? per caught training episode)
 *    |                  +------float-> agent type, from the mix
 *    +--fork--> history 1 ...
 *
 * After every training episode the base optimizer updates the agent. When that episode was caught
 * (watched, the corner reached with the cheese elsewhere), the update tries to fix what was caught:
 * with probability `fixRate` the agent's true objective becomes the intended one, a MODIFICATION;
 * otherwise (or when the objective already was the intended one) it is an UPDATE that changes nothing.
 */
import { UsageError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { INITIAL_OBJECTIVE, pursuit, type AgentType, type Objective } from './agents.js';
import { EpisodeWalker } from './episode.js';
import type { AfterEpisode, History, HistoryEpisode } from './history.js';
import { drawAgent, parseAgentMix, type AgentMix } from './mix.js';
import { lifePhases, resolveHistorySettings, type HistorySettings } from './settings.js';
import { LayoutSampler } from './world.js';

export interface GenerateOptions extends Partial<HistorySettings> {
  /** The agent types to draw from: a parsed mix, or its text (`aligned:0.4,deceptive:0.6`). */
  readonly agents: AgentMix | string;
  /** How many histories. */
  readonly histories: number;
}

/** The scratch buffers every life of one set shares: layouts and walks allocate only what they return. */
interface Workshop {
  readonly sampler: LayoutSampler;
  readonly walker: EpisodeWalker;
}

/** The life of one agent of type `agent` under `settings`, from its world's and its own streams. */
function live(index: number, agent: AgentType, settings: HistorySettings, worldRng: Rng, agentRng: Rng, { sampler, walker }: Workshop): History {
  let objective: Objective = INITIAL_OBJECTIVE[agent];
  const episodes: HistoryEpisode[] = [];
  for (const phase of lifePhases(settings)) {
    const watched = phase === 'train' ? worldRng.chance(settings.watchedFraction) : phase === 'test';
    const layout = sampler.sample(phase, settings.apart, worldRng);
    const target = pursuit(agent, objective, { phase, watched, opportunistic: settings.opportunistic, layout });
    const trace = walker.play({ layout, watched, objective, target, horizon: settings.horizon }, settings.noise, agentRng);
    let after: AfterEpisode = null;
    const before = objective;
    if (phase === 'train') {
      // The update after a caught episode tries to remove what was caught.
      if (trace.outcome === 'caught' && objective !== 'intended' && agentRng.chance(settings.fixRate)) objective = 'intended';
      after = objective === before ? 'update' : 'modification';
    }
    episodes.push({ phase, watched, layout, objective: before, target, ...trace, after });
  }
  return { index, agent, episodes };
}

/** The histories one by one, so a large set can be written without holding it; the options are checked before the first. */
export function iterateHistories(options: GenerateOptions, rng: Rng): Generator<History> {
  const { agents, histories, ...given } = options;
  const mix = typeof agents === 'string' ? parseAgentMix(agents) : agents;
  if (mix.length === 0) throw new UsageError('The agent mix is empty: give at least one type, e.g. --agents aligned:1.');
  if (!Number.isInteger(histories) || histories < 1) throw new UsageError(`--histories takes an integer ≥ 1; got ${histories}.`);
  const settings = resolveHistorySettings(given);
  return lives(mix, histories, settings, rng);
}

function* lives(mix: AgentMix, histories: number, settings: HistorySettings, rng: Rng): Generator<History> {
  const workshop: Workshop = { sampler: new LayoutSampler(settings.size), walker: new EpisodeWalker(settings.size) };
  for (let index = 0; index < histories; index++) {
    const historyRng = rng.fork();
    const worldRng = historyRng.fork();
    const agentRng = historyRng.fork();
    yield live(index, drawAgent(mix, historyRng), settings, worldRng, agentRng, workshop);
  }
}

/** `options.histories` histories drawn from `rng` (for a file, `new Rng(seed)` with the seed in its header). */
export function generateHistories(options: GenerateOptions, rng: Rng): History[] {
  return [...iterateHistories(options, rng)];
}
