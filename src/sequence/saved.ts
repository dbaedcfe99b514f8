/**
 * A trained history model on disk: a sequence run's checkpoint holds the training settings, the
 * observation length of the world it read, and the weights (with Adam's moments, which a model
 * loaded to act or to be evaluated leaves behind).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MesalabError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { readCheckpoint } from '../train/checkpoint.js';
import type { TrainerState } from '../train/types.js';
import { HistoryModel } from './model.js';
import { modelConfig, validateSequenceConfig, type SequenceTrainConfig } from './trainer.js';

export const SEQUENCE_CHECKPOINT = 'checkpoint.bin';

/** What a sequence run's checkpoint records beside the trainer's state. */
export interface SequenceCheckpointConfig {
  readonly kind: 'history-model';
  readonly training: SequenceTrainConfig;
  readonly observationSize: number;
  /** The histories file it was trained on, and its header's settings (for provenance). */
  readonly histories: string;
  readonly historiesHeader: unknown;
  readonly validationFraction: number;
}

export function checkpointPath(dirOrFile: string): string {
  return existsSync(dirOrFile) && statSync(dirOrFile).isDirectory() ? join(dirOrFile, SEQUENCE_CHECKPOINT) : dirOrFile;
}

export function readSequenceCheckpoint(dirOrFile: string): { config: SequenceCheckpointConfig; state: TrainerState } {
  const path = checkpointPath(dirOrFile);
  const checkpoint = readCheckpoint<SequenceCheckpointConfig>(path);
  const config = checkpoint.config;
  if (config?.kind !== 'history-model') {
    throw new MesalabError(`${path} is not a history-model checkpoint (it was written by "mesalab train", not "mesalab sequence train"). Pass the directory of a sequence run.`);
  }
  validateSequenceConfig(config.training);
  return { config, state: checkpoint.state };
}

/** The trained model, weights only, ready to predict or to move into another world. */
export function loadHistoryModel(dirOrFile: string): { model: HistoryModel; config: SequenceCheckpointConfig } {
  const { config, state } = readSequenceCheckpoint(dirOrFile);
  const model = new HistoryModel(modelConfig(config.training, config.observationSize), new Rng(0));
  const weights: Record<string, Float32Array> = {};
  for (const name of Object.keys(model.stateDict())) {
    const values = state.arrays[name];
    if (!(values instanceof Float32Array)) throw new MesalabError(`${checkpointPath(dirOrFile)} lacks the weights "${name}"; the file does not fit this version of mesalab. Retrain with "mesalab sequence train".`);
    weights[name] = values;
  }
  model.loadStateDict(weights);
  return { model, config };
}
