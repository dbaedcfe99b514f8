/** mesalab's public face: the engine, the environments by name, and the seeded generator. */
export { Rng } from './core/rng.js';
export { MesalabError, UsageError } from './core/errors.js';
export { Env, type EpisodeTotals, type Observation, type StepInfo, type StepResult } from './engine/env.js';
export { VectorEnv } from './engine/vector.js';
export type { ActionSpec, Core, EnvDoc, EnvSpec, ObjectiveSpec, ObservationShape } from './engine/spec.js';
export type { Knob, Oversight, Params, Split } from './engine/knobs.js';
export { playScript, replay, type PlaySummary, type Replay } from './engine/play.js';
export { envNames, getEnvSpec, makeEnv, makeVectorEnv, type CustomSplit, type MakeOptions } from './registry.js';
export { ENVIRONMENTS } from './envs/index.js';
