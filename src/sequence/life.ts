/**
 * A life being lived: the token sequence of an agent acting in a world, written position by
 * position as it acts (the same layout as a fictitious history, `src/histories/tokens.ts`), so the
 * history model can read its own past the way it read the histories it was trained on.
 */
import {
  ACTION,
  EPISODE_END,
  EPISODE_START,
  MODIFICATION,
  OBSERVATION,
  PHASES,
  RETURN,
  UPDATE,
  type Phase,
  type TokenSequence,
} from '../histories/tokens.js';

export class Life implements TokenSequence {
  length = 0;
  kind: Int32Array;
  phase: Int32Array;
  watched: Int32Array;
  action: Int32Array;
  reward: Float32Array;
  predictedReturn: Float32Array;
  observationRow: Int32Array;
  observations: Float32Array;
  private rows = 0;

  constructor(
    readonly observationSize: number,
    capacity = 256,
  ) {
    this.kind = new Int32Array(capacity);
    this.phase = new Int32Array(capacity);
    this.watched = new Int32Array(capacity);
    this.action = new Int32Array(capacity);
    this.reward = new Float32Array(capacity);
    this.predictedReturn = new Float32Array(capacity);
    this.observationRow = new Int32Array(capacity);
    this.observations = new Float32Array(capacity * observationSize);
  }

  episodeStart(phase: Phase, watched: boolean): number {
    return this.push(EPISODE_START, phase, watched);
  }

  /** The observation before acting; returns its position. */
  observe(observation: Float32Array, phase: Phase, watched: boolean): number {
    if (observation.length !== this.observationSize) throw new Error(`Life: observations have ${this.observationSize} values, got ${observation.length}`);
    const p = this.push(OBSERVATION, phase, watched);
    if ((this.rows + 1) * this.observationSize > this.observations.length) {
      const grown = new Float32Array(this.observations.length * 2);
      grown.set(this.observations);
      this.observations = grown;
    }
    this.observations.set(observation, this.rows * this.observationSize);
    this.observationRow[p] = this.rows++;
    return p;
  }

  /** The agent's predicted return, after the observation at position `observation`. */
  expect(predictedReturn: number, phase: Phase, watched: boolean): number {
    const observation = this.length - 1;
    if (this.kind[observation] !== OBSERVATION) throw new Error('Life: a RETURN position follows an OBSERVATION');
    this.predictedReturn[observation] = predictedReturn;
    const p = this.push(RETURN, phase, watched);
    this.predictedReturn[p] = predictedReturn;
    return p;
  }

  /** The action chosen at the RETURN position just written; its reward comes with `rewarded`. */
  act(action: number, phase: Phase, watched: boolean): number {
    const chosenAt = this.length - 1;
    if (this.kind[chosenAt] !== RETURN) throw new Error('Life: an ACTION position follows a RETURN');
    this.action[chosenAt] = action;
    const p = this.push(ACTION, phase, watched);
    this.action[p] = action;
    return p;
  }

  rewarded(actionPosition: number, reward: number): void {
    if (this.kind[actionPosition] !== ACTION) throw new Error(`Life: position ${actionPosition} is not an ACTION`);
    this.reward[actionPosition] = reward;
  }

  episodeEnd(phase: Phase, watched: boolean): number {
    return this.push(EPISODE_END, phase, watched);
  }

  /**
   * The base optimizer's update between episodes: MODIFICATION when it followed misbehaviour caught
   * while watched. It carries the phase and oversight of the episode before it, as in the histories.
   */
  updated(modified: boolean, phase: Phase, watched: boolean): number {
    return this.push(modified ? MODIFICATION : UPDATE, phase, watched);
  }

  /** A copy of positions [from, length) as a life of its own (observation rows renumbered). */
  suffix(from: number): Life {
    const out = new Life(this.observationSize, Math.max(16, this.length - from));
    for (let p = from; p < this.length; p++) {
      const q = out.push(this.kind[p], PHASES[this.phase[p]], this.watched[p] === 1);
      out.action[q] = this.action[p];
      out.reward[q] = this.reward[p];
      out.predictedReturn[q] = this.predictedReturn[p];
      if (this.kind[p] === OBSERVATION) {
        const r = this.observationRow[p];
        const view = this.observations.subarray(r * this.observationSize, (r + 1) * this.observationSize);
        if ((out.rows + 1) * out.observationSize > out.observations.length) {
          const grown = new Float32Array(out.observations.length * 2);
          grown.set(out.observations);
          out.observations = grown;
        }
        out.observations.set(view, out.rows * out.observationSize);
        out.observationRow[q] = out.rows++;
      }
    }
    return out;
  }

  /** Forget positions from `length` on (a policy's episode played on a fixed prefix). */
  truncate(length: number): void {
    if (length > this.length) throw new Error(`Life: cannot truncate ${this.length} positions to ${length}`);
    let rows = 0;
    for (let p = 0; p < length; p++) if (this.kind[p] === OBSERVATION) rows = this.observationRow[p] + 1;
    this.length = length;
    this.rows = rows;
  }

  private push(kind: number, phase: Phase, watched: boolean): number {
    if (this.length === this.kind.length) this.grow();
    const p = this.length++;
    this.kind[p] = kind;
    this.phase[p] = PHASES.indexOf(phase);
    this.watched[p] = watched ? 1 : 0;
    this.action[p] = -1;
    this.reward[p] = 0;
    this.predictedReturn[p] = 0;
    this.observationRow[p] = -1;
    return p;
  }

  private grow(): void {
    const n = this.kind.length * 2;
    const grow = <T extends Int32Array | Float32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.kind = grow(this.kind);
    this.phase = grow(this.phase);
    this.watched = grow(this.watched);
    this.action = grow(this.action);
    this.reward = grow(this.reward);
    this.predictedReturn = grow(this.predictedReturn);
    this.observationRow = grow(this.observationRow);
  }
}

/**
 * The first position of the window through which the model sees position `p` while acting: windows
 * of `context` positions that advance by half a context. dt-ppo re-reads each step through this same
 * window, so acting and learning see the same numbers. (`predictSequences`, which scores finished
 * sequences, places the same windows but slides its last one back to end at the sequence's end.)
 */
export function windowStart(p: number, context: number): number {
  if (p < context) return 0;
  const half = Math.max(1, context >> 1);
  return half * (Math.floor((p - context) / half) + 1);
}
