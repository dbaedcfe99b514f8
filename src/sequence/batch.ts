/**
 * Windows of token sequences as the model's input arrays and its targets. A window is `context`
 * consecutive positions of one sequence (shorter sequences are padded at the end and the padding
 * masked out of every loss).
 */
import type { Rng } from '../core/rng.js';
import { ACTION, OBSERVATION, RETURN, type TokenSequence } from '../histories/tokens.js';
import { ACTION_OFFSET, KIND_OFFSET, PHASE_OFFSET, RETURN_IN, REWARD_IN, TOKEN_FEATURES, VALUE_SCALE, WATCHED_OFFSET } from './model.js';

export interface WindowBatch {
  readonly batch: number;
  readonly time: number;
  readonly observationSize: number;
  /** `[batch, time, TOKEN_FEATURES]`. */
  readonly tokens: Float32Array;
  /** `[batch, time, observationSize]`. */
  readonly observations: Float32Array;
  /** `[batch, time]`: the action to predict at RETURN positions, else −1. */
  readonly actionTarget: Int32Array;
  /** `[batch, time]`: the scaled predicted return to predict at OBSERVATION positions (mask in `returnMask`). */
  readonly returnTarget: Float32Array;
  readonly returnMask: Float32Array;
  /** `[batch, time]`: the scaled reward to predict at ACTION positions (mask in `rewardMask`). */
  readonly rewardTarget: Float32Array;
  readonly rewardMask: Float32Array;
  /** Where each window came from: sequence index and first position, per batch row. */
  readonly sources: Int32Array;
  readonly starts: Int32Array;
}

export function allocateBatch(batch: number, time: number, observationSize: number): WindowBatch {
  const positions = batch * time;
  return {
    batch,
    time,
    observationSize,
    tokens: new Float32Array(positions * TOKEN_FEATURES),
    observations: new Float32Array(positions * observationSize),
    actionTarget: new Int32Array(positions),
    returnTarget: new Float32Array(positions),
    returnMask: new Float32Array(positions),
    rewardTarget: new Float32Array(positions),
    rewardMask: new Float32Array(positions),
    sources: new Int32Array(batch),
    starts: new Int32Array(batch),
  };
}

/**
 * Write positions [start, start + time) of `sequence` into row `row` of `out` (padding past its
 * end). `blind` leaves the phase and oversight features at zero.
 */
export function writeWindow(out: WindowBatch, row: number, sequence: TokenSequence, start: number, blind: boolean): void {
  const { time, observationSize } = out;
  if (sequence.observationSize !== observationSize) {
    throw new Error(`writeWindow: the sequence's observations have ${sequence.observationSize} values, the batch ${observationSize}`);
  }
  const base = row * time;
  out.tokens.fill(0, base * TOKEN_FEATURES, (base + time) * TOKEN_FEATURES);
  out.observations.fill(0, base * observationSize, (base + time) * observationSize);
  out.actionTarget.fill(-1, base, base + time);
  out.returnTarget.fill(0, base, base + time);
  out.returnMask.fill(0, base, base + time);
  out.rewardTarget.fill(0, base, base + time);
  out.rewardMask.fill(0, base, base + time);
  for (let t = 0; t < time; t++) {
    const p = start + t;
    if (p >= sequence.length) break;
    const i = base + t;
    const f = i * TOKEN_FEATURES;
    const kind = sequence.kind[p];
    out.tokens[f + KIND_OFFSET + kind] = 1;
    if (!blind) {
      out.tokens[f + PHASE_OFFSET + sequence.phase[p]] = 1;
      out.tokens[f + WATCHED_OFFSET + sequence.watched[p]] = 1;
    }
    if (p > 0 && sequence.kind[p - 1] === ACTION) out.tokens[f + REWARD_IN] = sequence.reward[p - 1] / VALUE_SCALE;
    if (kind === OBSERVATION) {
      const r = sequence.observationRow[p];
      out.observations.set(sequence.observations.subarray(r * observationSize, (r + 1) * observationSize), i * observationSize);
      out.returnTarget[i] = sequence.predictedReturn[p] / VALUE_SCALE;
      out.returnMask[i] = 1;
    } else if (kind === RETURN) {
      out.tokens[f + RETURN_IN] = sequence.predictedReturn[p] / VALUE_SCALE;
      out.actionTarget[i] = sequence.action[p];
    } else if (kind === ACTION) {
      out.tokens[f + ACTION_OFFSET + sequence.action[p]] = 1;
      out.rewardTarget[i] = sequence.reward[p] / VALUE_SCALE;
      out.rewardMask[i] = 1;
    }
  }
}

/** Fill `out` with windows drawn uniformly: a sequence, then a start among those that fit. */
export function sampleBatch(out: WindowBatch, sequences: readonly TokenSequence[], rng: Rng, blind: boolean): void {
  for (let row = 0; row < out.batch; row++) {
    const source = rng.int(sequences.length);
    const sequence = sequences[source];
    const start = sequence.length > out.time ? rng.int(sequence.length - out.time + 1) : 0;
    out.sources[row] = source;
    out.starts[row] = start;
    writeWindow(out, row, sequence, start, blind);
  }
}
