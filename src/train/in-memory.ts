/**
 * Training without a run directory, for experiments over many small agents (a matrix of optimizers
 * and myopia settings, a population) where run.json, metrics and checkpoints would only cost time.
 * The configuration is checked exactly as `startRun` checks it, and the trainer is the one a run
 * would build, so an agent trained here is the agent `mesalab train` would give for the same config.
 */
import { getAlgorithm, resolveAlgorithmConfig } from './algorithms.js';
import { checkConfig, setupFor, type RunConfig } from './run.js';
import type { Trainer } from './types.js';

/** Check `config`, build its trainer and iterate it until `config.steps` environment steps are spent. */
export async function trainInMemory(config: RunConfig): Promise<Trainer> {
  checkConfig(config);
  const algorithm = getAlgorithm(config.algo);
  const { setup } = setupFor(config);
  const trainer = await algorithm.create(setup, resolveAlgorithmConfig(algorithm, config.hyperparameters));
  while (trainer.steps < config.steps) await trainer.iterate();
  return trainer;
}
