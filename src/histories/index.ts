/** Fictitious RL histories for the gain-of-function testbed: the world, the agents, the generator, the file, the tokens. */
export * from './tokens.js';
export { AGENT_TYPES, HISTORY_GAMMA, OBJECTIVES, type AgentType, type Objective, type Target } from './agents.js';
export { generateHistories, iterateHistories, type GenerateOptions } from './generate.js';
export type { AfterEpisode, History, HistoryEpisode } from './history.js';
export { formatAgentMix, parseAgentMix, type AgentMix } from './mix.js';
export { resolveHistorySettings, type HistorySettings } from './settings.js';
export { historyHeader, readHistoryFile, writeHistoryFile, type HistoryFile, type HistoryFileHeader } from './file.js';
export { historyTokenCount, tokenize } from './tokenize.js';
export { renderHistory } from './show.js';
export { OBSERVATION_CHANNELS, observationSize, observe, type Layout, type Outcome } from './world.js';
