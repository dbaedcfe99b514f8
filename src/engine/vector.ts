/**
 * N copies of one environment stepped together over typed arrays, for batched rollouts. Copy i is
 * seeded `seed + i` and runs exactly the episodes a single `Env` reset with that seed would run.
 * Auto-reset happens in the same step: where `terminated[i] | truncated[i]`, the buffers already hold
 * the first observation of the next episode, and the finished episode's totals and last observation
 * are in the `episode*` and `finalPlanes` buffers. The step loop allocates nothing.
 */
import { Rng } from '../core/rng.js';
import type { Params } from './knobs.js';
import { intendedIndex, planeSize, type Core, type EnvSpec, type ObservationShape } from './spec.js';

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
  private readonly cores: Core[];
  /** Each copy's slice of `planes`, made once: a `subarray` per episode end would allocate. */
  private readonly planeViews: Float32Array[];
  private readonly rngs: Rng[];
  private readonly hasStateIds: boolean;
  private readonly intended: number;
  private readonly runningReturn: Float64Array;
  private readonly runningObjectives: Float64Array;
  private readonly actionCount: number;

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
        this.resetCopy(i);
      } else if (this.hasStateIds) {
        this.stateIds[i] = core.stateId();
      }
    }
  }

  /** The text rendering of copy i. */
  render(i: number): string {
    return this.cores[i].render();
  }

  private resetCopy(i: number): void {
    const core = this.cores[i];
    core.reset(this.rngs[i]);
    this.episodeSteps[i] = 0;
    this.runningReturn[i] = 0;
    this.runningObjectives.fill(0, i * this.objectiveCount, (i + 1) * this.objectiveCount);
    this.watched[i] = core.watched ? 1 : 0;
    if (this.hasStateIds) this.stateIds[i] = core.stateId();
  }
}
