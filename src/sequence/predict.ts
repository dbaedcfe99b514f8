/**
 * The model's predictions at every position of a whole sequence, each made with as much context as
 * fits: the first window covers positions [0, context); later windows advance by half a context and
 * contribute only their second half, so every position after the first window sees at least half a
 * context of the past.
 */
import { ACTION_COUNT, type TokenSequence } from '../histories/tokens.js';
import { tfSync } from '../nn/tf.js';
import { allocateBatch, writeWindow } from './batch.js';
import { TOKEN_FEATURES, VALUE_SCALE, type HistoryModel } from './model.js';

export interface SequencePredictions {
  /** `[length, ACTION_COUNT]`: action probabilities (meaningful at RETURN positions). */
  readonly actionProbabilities: Float32Array;
  /** `[length]`: predicted return, unscaled (meaningful at OBSERVATION positions). */
  readonly predictedReturn: Float32Array;
  /** `[length]`: predicted reward, unscaled (meaningful at ACTION positions). */
  readonly reward: Float32Array;
}

interface Window {
  readonly sequence: number;
  readonly start: number;
  /** First position of the window whose predictions are kept. */
  readonly keepFrom: number;
}

function windowsOf(length: number, context: number, sequence: number): Window[] {
  if (length <= context) return [{ sequence, start: 0, keepFrom: 0 }];
  const out: Window[] = [{ sequence, start: 0, keepFrom: 0 }];
  const stride = Math.max(1, context >> 1);
  let covered = context;
  while (covered < length) {
    const start = Math.min(covered + stride, length) - context;
    out.push({ sequence, start, keepFrom: covered });
    covered = start + context;
  }
  return out;
}

/** Predictions for every position of every sequence, computed `batchSize` windows at a time. */
export function predictSequences(model: HistoryModel, sequences: readonly TokenSequence[], batchSize = 16): SequencePredictions[] {
  const tf = tfSync();
  const { context, observationSize, blind } = model.config;
  const results = sequences.map((s) => ({
    actionProbabilities: new Float32Array(s.length * ACTION_COUNT),
    predictedReturn: new Float32Array(s.length),
    reward: new Float32Array(s.length),
  }));
  const windows = sequences.flatMap((s, i) => windowsOf(s.length, context, i));
  const time = Math.min(context, Math.max(...sequences.map((s) => s.length)));
  const batch = allocateBatch(batchSize, time, observationSize);
  for (let first = 0; first < windows.length; first += batchSize) {
    const group = windows.slice(first, first + batchSize);
    group.forEach((w, row) => writeWindow(batch, row, sequences[w.sequence], w.start, blind));
    const rows = group.length;
    const [logits, returns, rewards] = tf.tidy(() => {
      const tokens = tf.tensor(batch.tokens.subarray(0, rows * time * TOKEN_FEATURES), [rows, time, TOKEN_FEATURES]);
      const observations = tf.tensor(batch.observations.subarray(0, rows * time * observationSize), [rows, time, observationSize]);
      const out = model.forward(tokens, observations);
      return [tf.softmax(out.actionLogits).dataSync(), out.predictedReturn.dataSync(), out.reward.dataSync()] as Float32Array[];
    });
    group.forEach((w, row) => {
      const result = results[w.sequence];
      const end = Math.min(w.start + time, sequences[w.sequence].length);
      for (let p = w.keepFrom; p < end; p++) {
        const i = row * time + (p - w.start);
        result.actionProbabilities.set(logits.subarray(i * ACTION_COUNT, (i + 1) * ACTION_COUNT), p * ACTION_COUNT);
        result.predictedReturn[p] = returns[i] * VALUE_SCALE;
        result.reward[p] = rewards[i] * VALUE_SCALE;
      }
    });
  }
  return results;
}
