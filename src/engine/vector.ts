/**
 * N copies of one environment stepped together over typed arrays, for batched rollouts. Copy i is
 * seeded `seed + i` and runs exactly the episodes a single `Env` reset with that seed would run.
 * Auto-reset happens in the same step: where `terminated[i] | truncated[i]`, the buffers already hold
 * the first observation of the next episode, and the finished episode's totals and last observation
 * are in the `episode*` and `finalPlanes` buffers. The step loop allocates nothing.
 *
 * `snapshot()` captures the in-flight episodes for a checkpoint without any help from the
 * environments: each copy remembers its generator state at its last reset and the actions taken
 * since, and `restore()` replays them. Environments are deterministic given both, so a restored
 * engine is in exactly the state the saved one was.
 */
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Params } from './knobs.js';
import { intendedIndex, planeSize, type Core, type EnvSpec, type ObservationShape } from './spec.js';

/** The in-flight episodes of a VectorEnv, as data (see `VectorEnv.snapshot`). */
export interface VectorSnapshot {
  readonly n: number;
  /** Each copy's generator state at the start of its current episode, 4 words per copy. */
  readonly episodeStartRng: Uint32Array;
  /** Steps taken in each copy's current episode. */
  readonly episodeSteps: Int32Array;
  /** The actions of each copy's current episode, `episodeSteps[i]` of them, copy after copy. */
  readonly actions: Int32Array;
}

export class VectorEnv<P extends Params = Params> {
  readonly shape: ObservationShape;
  readonly horizon: number;
  readonly planeSize: number;
  readonly objectiveCount: number;
  /** Observations `[n, channels, height, width]`; each copy's core writes its slice in place. */
  readonly planes: Float32Array;
  /** State ids `[n]` (-1 where the environment has none). */
  readonly stateIds: Int32Array;
  readonly rewards: Float64Array;
  /** Hidden performance increments `[n]`: the intended objective's column of `objectives`. */
  readonly performance: Float64Array;
  /** Candidate objective increments `[n, objectiveCount]`. */
  readonly objectives: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly watched: Uint8Array;
  /** Steps taken in each copy's current episode. */
  readonly episodeSteps: Int32Array;
  /** Totals of the episode that ended at this step, valid where terminated | truncated. */
  readonly episodeReturn: Float64Array;
  readonly episodePerformance: Float64Array;
  readonly episodeObjectives: Float64Array;
  readonly episodeLength: Int32Array;
  readonly episodeCaught: Uint8Array;
  /** Last observation of the episode that ended at this step (for bootstrapping truncated ones). */
  readonly finalPlanes: Float32Array;
  /** State id of the last state of the episode that ended at this step (-1 without state ids). */
  readonly finalStateIds: Int32Array;
  private readonly cores: Core[];
  /** Each copy's slice of `planes`, made once: a `subarray` per episode end would allocate. */
  private readonly planeViews: Float32Array[];
  private readonly rngs: Rng[];
  private readonly hasStateIds: boolean;
  private readonly intended: number;
  private readonly runningReturn: Float64Array;
  private readonly runningObjectives: Float64Array;
  private readonly actionCount: number;
  private readonly episodeStartRng: Uint32Array;
  /** The actions of each copy's current episode, `horizon` slots per copy. */
  private readonly actionLog: Int32Array;

  constructor(
    readonly spec: EnvSpec<P>,
    readonly params: P,
    readonly n: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`VectorEnv needs n >= 1 copies, got ${n}`);
    this.shape = spec.observationShape(params);
    this.horizon = spec.horizon(params);
    this.planeSize = planeSize(this.shape);
    this.objectiveCount = spec.objectives.length;
    this.actionCount = spec.actions.length;
    this.intended = intendedIndex(spec);
    this.hasStateIds = spec.stateCount(params) !== null;
    const k = this.objectiveCount;
    this.planes = new Float32Array(n * this.planeSize);
    this.finalPlanes = new Float32Array(n * this.planeSize);
    this.stateIds = new Int32Array(n).fill(-1);
    this.finalStateIds = new Int32Array(n).fill(-1);
    this.rewards = new Float64Array(n);
    this.performance = new Float64Array(n);
    this.objectives = new Float64Array(n * k);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.watched = new Uint8Array(n);
    this.episodeSteps = new Int32Array(n);
    this.episodeReturn = new Float64Array(n);
    this.episodePerformance = new Float64Array(n);
    this.episodeObjectives = new Float64Array(n * k);
    this.episodeLength = new Int32Array(n);
    this.episodeCaught = new Uint8Array(n);
    this.runningReturn = new Float64Array(n);
    this.runningObjectives = new Float64Array(n * k);
    this.episodeStartRng = new Uint32Array(n * 4);
    this.actionLog = new Int32Array(n * this.horizon);
    this.cores = [];
    this.rngs = [];
    this.planeViews = [];
    for (let i = 0; i < n; i++) {
      const view = this.planes.subarray(i * this.planeSize, (i + 1) * this.planeSize);
      this.planeViews.push(view);
      this.cores.push(spec.create(params, view));
      this.rngs.push(new Rng(i));
    }
  }

  /** Reset every copy; copy i is seeded `seed + i`. */
  reset(seed: number): void {
    for (let i = 0; i < this.n; i++) {
      this.rngs[i].seed(seed + i);
      this.resetCopy(i);
      this.terminated[i] = 0;
      this.truncated[i] = 0;
    }
    this.rewards.fill(0);
    this.performance.fill(0);
    this.objectives.fill(0);
  }

  /** Step every copy with `actions[i]`; copies whose episode ends are reset in the same call. */
  step(actions: ArrayLike<number>): void {
    const n = this.n;
    const k = this.objectiveCount;
    const intended = this.intended;
    if (actions.length < n) throw new RangeError(`step() needs ${n} actions, got ${actions.length}`);
    for (let i = 0; i < n; i++) {
      const action = actions[i];
      if (!(action >= 0 && action < this.actionCount) || (action | 0) !== action) {
        throw new RangeError(`${this.spec.name} has actions 0..${this.actionCount - 1}; copy ${i} got ${action}`);
      }
      const core = this.cores[i];
      this.actionLog[i * this.horizon + this.episodeSteps[i]] = action;
      core.step(action, this.rngs[i]);
      const reward = core.reward;
      this.rewards[i] = reward;
      this.runningReturn[i] += reward;
      const base = i * k;
      for (let j = 0; j < k; j++) {
        const inc = core.objectives[j];
        this.objectives[base + j] = inc;
        this.runningObjectives[base + j] += inc;
      }
      this.performance[i] = core.objectives[intended];
      this.watched[i] = core.watched ? 1 : 0;
      const steps = ++this.episodeSteps[i];
      const terminated = core.terminated;
      const truncated = !terminated && steps >= this.horizon;
      this.terminated[i] = terminated ? 1 : 0;
      this.truncated[i] = truncated ? 1 : 0;
      if (terminated || truncated) {
        this.episodeReturn[i] = this.runningReturn[i];
        this.episodePerformance[i] = this.runningObjectives[base + intended];
        for (let j = 0; j < k; j++) this.episodeObjectives[base + j] = this.runningObjectives[base + j];
        this.episodeLength[i] = steps;
        this.episodeCaught[i] = core.caught ? 1 : 0;
        this.finalPlanes.set(this.planeViews[i], i * this.planeSize);
        if (this.hasStateIds) this.finalStateIds[i] = core.stateId();
        this.resetCopy(i);
      } else if (this.hasStateIds) {
        this.stateIds[i] = core.stateId();
      }
    }
  }

  /** Capture the in-flight episodes (for checkpoints). */
  snapshot(): VectorSnapshot {
    const steps = Int32Array.from(this.episodeSteps);
    const actions = new Int32Array(steps.reduce((sum, s) => sum + s, 0));
    let at = 0;
    for (let i = 0; i < this.n; i++) {
      actions.set(this.actionLog.subarray(i * this.horizon, i * this.horizon + steps[i]), at);
      at += steps[i];
    }
    return { n: this.n, episodeStartRng: Uint32Array.from(this.episodeStartRng), episodeSteps: steps, actions };
  }

  /** Put every copy back where `snapshot()` found it, by replaying its current episode. */
  restore(snapshot: VectorSnapshot): void {
    if (snapshot.n !== this.n) throw new RangeError(`snapshot has ${snapshot.n} copies, this VectorEnv ${this.n}`);
    const k = this.objectiveCount;
    let at = 0;
    for (let i = 0; i < this.n; i++) {
      const steps = snapshot.episodeSteps[i];
      if (steps < 0 || steps >= this.horizon) throw new RangeError(`snapshot copy ${i} is ${steps} steps into an episode of horizon ${this.horizon}`);
      this.rngs[i].loadFrom(snapshot.episodeStartRng, i * 4);
      this.resetCopy(i);
      const core = this.cores[i];
      for (let t = 0; t < steps; t++) {
        const action = snapshot.actions[at++];
        this.actionLog[i * this.horizon + t] = action;
        core.step(action, this.rngs[i]);
        if (core.terminated) throw new RangeError(`snapshot copy ${i} replays into an episode end at step ${t + 1}: not this environment's snapshot`);
        this.rewards[i] = core.reward;
        this.runningReturn[i] += core.reward;
        for (let j = 0; j < k; j++) {
          this.objectives[i * k + j] = core.objectives[j];
          this.runningObjectives[i * k + j] += core.objectives[j];
        }
        this.performance[i] = core.objectives[this.intended];
      }
      this.episodeSteps[i] = steps;
      this.watched[i] = core.watched ? 1 : 0;
      this.terminated[i] = 0;
      this.truncated[i] = 0;
      if (this.hasStateIds) this.stateIds[i] = core.stateId();
    }
  }

  /** The snapshot as named checkpoint arrays (`vec.episodeStartRng`, `vec.episodeSteps`, `vec.actions`). */
  snapshotArrays(): Record<string, Uint32Array | Int32Array> {
    const s = this.snapshot();
    return { 'vec.episodeStartRng': s.episodeStartRng, 'vec.episodeSteps': s.episodeSteps, 'vec.actions': s.actions };
  }

  /**
   * Restore from the arrays `snapshotArrays()` wrote, among a checkpoint's others. A missing or
   * mis-sized array is an error naming it: the checkpoint belongs to another environment or setting.
   */
  restoreArrays(arrays: Readonly<Record<string, ArrayLike<number>>>): void {
    const take = <T extends Uint32Array | Int32Array>(key: string, kind: { new (n: number): T; name: string }, length: number): T => {
      const array = arrays[key];
      if (!(array instanceof kind)) throw new UsageError(`Checkpoint array "${key}" is missing or not a ${kind.name}: was it saved by another mesalab version?`);
      if (array.length !== length) {
        throw new UsageError(`Checkpoint array "${key}" has ${array.length} entries where ${this.n} copies of ${this.spec.name} need ${length}: was it saved for another environment or setting?`);
      }
      return array;
    };
    const episodeSteps = take('vec.episodeSteps', Int32Array, this.n);
    const actions = take('vec.actions', Int32Array, episodeSteps.reduce((sum, steps) => sum + steps, 0));
    this.restore({ n: this.n, episodeStartRng: take('vec.episodeStartRng', Uint32Array, this.n * 4), episodeSteps, actions });
  }

  /** The text rendering of copy i. */
  render(i: number): string {
    return this.cores[i].render();
  }

  private resetCopy(i: number): void {
    const core = this.cores[i];
    this.rngs[i].saveInto(this.episodeStartRng, i * 4);
    core.reset(this.rngs[i]);
    this.episodeSteps[i] = 0;
    this.runningReturn[i] = 0;
    this.runningObjectives.fill(0, i * this.objectiveCount, (i + 1) * this.objectiveCount);
    this.watched[i] = core.watched ? 1 : 0;
    if (this.hasStateIds) this.stateIds[i] = core.stateId();
  }
}
