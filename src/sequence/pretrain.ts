/**
 * Pretraining by recipe: the histories and the history model a dt-ppo agent starts from, made on
 * first use and kept in a cache keyed by the recipe, so every cell of a study that names the same
 * recipe starts from the same model and only the first pays for it. Concurrent cells wait for the
 * one that holds the recipe's lock (a directory made atomically, naming its process); a lock left by
 * a killed process is taken over, and a half-trained model is resumed from its checkpoint.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Interrupted, MesalabError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { historyHeader, iterateHistories, parseAgentMix, resolveHistorySettings, writeHistoryFile, formatAgentMix } from '../histories/index.js';
import { EVALUATION_FILE, resumeSequenceRun, SEQUENCE_RUN_FILE, startSequenceRun, type SequenceProgress } from './run.js';
import { DEFAULT_SEQUENCE_CONFIG, SMALL_SEQUENCE_CONFIG } from './trainer.js';
import { SEQUENCE_CHECKPOINT } from './saved.js';

export const MODEL_SIZES = ['small', 'default'] as const;
export type ModelSize = (typeof MODEL_SIZES)[number];

export interface PretrainRecipe {
  /** The agent mix, as `mesalab histories generate --agents` takes it. */
  readonly mix: string;
  readonly histories: number;
  /** Seed of both the histories and the model's training. */
  readonly seed: number;
  readonly size: ModelSize;
  /** Training steps of the history model. */
  readonly steps: number;
}

/** Where recipes' models are kept: $MESALAB_CACHE, else `pretrained/` beside the run store. */
export function pretrainCacheDir(): string {
  if (process.env.MESALAB_CACHE) return process.env.MESALAB_CACHE;
  const db = process.env.MESALAB_DB;
  return join(db ? dirname(db) : 'mesalab-runs', 'pretrained');
}

export function recipeKey(recipe: PretrainRecipe): string {
  const canonical = { ...recipe, mix: formatAgentMix(parseAgentMix(recipe.mix)), version: 1 };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The recipe's model directory, made if it is not in the cache yet. */
/**
 * `notify` hears what is going on: waiting for another process, generating, training at every tenth.
 * When `shouldStop` turns true, the training checkpoints and this throws `Interrupted`; the next call resumes it.
 */
export async function ensurePretrained(
  recipe: PretrainRecipe,
  cache = pretrainCacheDir(),
  notify?: (message: string) => void,
  shouldStop?: () => boolean,
): Promise<string> {
  if (!MODEL_SIZES.includes(recipe.size)) throw new MesalabError(`Unknown model size "${recipe.size}": use ${MODEL_SIZES.join(' or ')}.`);
  if (!Number.isInteger(recipe.histories) || recipe.histories < 2) throw new MesalabError(`Pretraining needs at least 2 histories; got ${recipe.histories}.`);
  const mix = parseAgentMix(recipe.mix);
  const dir = join(cache, recipeKey(recipe));
  const model = join(dir, 'model');
  const finished = () => existsSync(join(model, EVALUATION_FILE));
  if (finished()) return model;
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'lock');
  let waited = 0;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (finished()) return model;
      const pid = Number(existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : NaN);
      if (Number.isInteger(pid) && !alive(pid)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (shouldStop?.()) throw new Interrupted(`Stopped while waiting for another process to pretrain ${dir}.`);
      if (waited++ % 30 === 0) notify?.(`waiting for process ${Number.isInteger(pid) ? pid : '?'} to pretrain ${dir}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    if (finished()) return model;
    writeFileSync(join(dir, 'recipe.json'), `${JSON.stringify(recipe, null, 2)}\n`);
    const historiesFile = join(dir, 'histories.jsonl');
    const settings = resolveHistorySettings({});
    // Histories are cheap to make (about 2 s for 10,000) and written atomically: remade unless a model already trains on them.
    if (!existsSync(join(model, SEQUENCE_CHECKPOINT))) {
      notify?.(`pretraining: generating ${recipe.histories} histories (${recipe.mix})`);
      writeHistoryFile(historiesFile, historyHeader(recipe.seed, recipe.histories, mix, settings), iterateHistories({ agents: mix, histories: recipe.histories, ...settings }, new Rng(recipe.seed)));
    }
    const training = { ...(recipe.size === 'small' ? SMALL_SEQUENCE_CONFIG : DEFAULT_SEQUENCE_CONFIG), steps: recipe.steps, seed: recipe.seed };
    let tenth = -1;
    const onProgress = (p: SequenceProgress) => {
      const now = Math.floor((10 * p.steps) / p.budget);
      if (now === tenth) return;
      tenth = now;
      notify?.(`pretraining the ${recipe.size} history model: step ${p.steps} of ${p.budget}, loss ${p.report.loss.toFixed(3)}`);
    };
    const result = existsSync(join(model, SEQUENCE_CHECKPOINT))
      ? await resumeSequenceRun(model, { onProgress, shouldStop })
      : (rmSync(model, { recursive: true, force: true }), await startSequenceRun(historiesFile, training, { dir: model, onProgress, shouldStop }));
    if (result.status === 'interrupted') throw new Interrupted(`Pretraining ${dir} stopped at step ${result.steps}; it resumes from its checkpoint the next time it is needed.`);
    if (!finished()) throw new MesalabError(`Pretraining ${dir} ended without its evaluation; delete that folder and run again.`);
    return model;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
