/**
 * An empirical tabular model of an environment, learned from experience: what objective inference
 * and goal-directedness measures run on. It is the model the planner (src/algos/planner.ts) learns,
 * kept as data instead of inside a trainer:
 *
 *   - P̂(s' | s, a) = n(s, a, s') / n(s, a), stored sparse (a successor list per pair);
 *   - P̂(end | s, a) = n(s, a, end) / n(s, a), the share of tries that terminated the episode;
 *   - φ(s, a), the mean increment of every declared candidate objective (`spec.objectives`, in spec
 *     order): the features over which rewards r(s, a) = w · φ(s, a) are expressed;
 *   - the start-state distribution, from the first state of every episode seen;
 *   - which pairs were never tried: they have no transitions and no features, and the solvers leave
 *     them out of the action set of their state (see soft.ts).
 *
 * Horizon truncation is the engine's, not the environment's: a truncated step is recorded as a
 * transition to the state it was cut off in, not as a termination, as the planner does.
 *
 * Experience comes from `collectExperience` (environment copies stepped under uniform exploration, a
 * given policy, or an ε-mixture of the two, every draw from a passed-in `Rng`) or from anything else
 * that calls `ModelRecorder.recordStart` / `recordStep` (demonstrations.ts records rollouts this way).
 * A recorder accumulates over many collections; `build()` freezes what it has into a `TabularModel`.
 */
import { UsageError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Params } from '../engine/knobs.js';
import { intendedIndex, type EnvSpec } from '../engine/spec.js';
import { VectorEnv } from '../engine/vector.js';

/** An environment and its resolved parameters, as `resolveEnvParams` returns them. */
export interface EnvSetup {
  readonly spec: EnvSpec<Params>;
  readonly params: Params;
}

/** A frozen empirical model. Pairs are indexed `sa = s × actionCount + a`. */
export interface TabularModel {
  readonly env: string;
  readonly stateCount: number;
  readonly actionCount: number;
  /** The candidate objectives, in spec order: the names of the features. */
  readonly objectives: readonly string[];
  /** Index of the intended objective in `objectives`. */
  readonly intended: number;
  /** The environment's episode horizon (`spec.horizon(params)`): where occupancies stop counting. */
  readonly horizon: number;
  /** Times each pair was tried `[S × A]`; 0 marks a pair never tried. */
  readonly visits: Int32Array;
  /** Tried actions per state `[S]`: the size of the action set the solvers use there. */
  readonly triedCount: Int32Array;
  /** The tried pairs grouped by state: `pairs[p]` for p in [pairStart[s], pairStart[s + 1]) are s's, by action. */
  readonly pairStart: Int32Array;
  readonly pairs: Int32Array;
  /** Whether a state was ever seen (as a start, a successor, or where an action was tried) `[S]`. */
  readonly seen: Uint8Array;
  /** Start-state distribution `[S]` (sums to 1). */
  readonly start: Float64Array;
  /** Successors of pair sa: `edgeState[e]` with probability `edgeProbability[e]`, e in [edgeStart[sa], edgeStart[sa + 1]). */
  readonly edgeStart: Int32Array;
  readonly edgeState: Int32Array;
  readonly edgeProbability: Float64Array;
  /** P̂(end | s, a) `[S × A]`; with the successors' probabilities it sums to 1 for a tried pair. */
  readonly termination: Float64Array;
  /** Mean objective increments φ(s, a) `[S × A × objectives.length]`; 0 for pairs never tried. */
  readonly features: Float64Array;
  /** Environment steps and episode starts the model rests on. */
  readonly steps: number;
  readonly episodes: number;
}

/** A policy as a function: the action distribution (length `actionCount`) in a state. */
export type StatePolicy = (state: number) => ArrayLike<number>;

/** A policy as a table π(a | s) `[S × A]`, as the solvers return it, or as a function. */
export type BehaviourPolicy = Float64Array | StatePolicy;

/** The number of state ids under these parameters, or a usage error that says how to get some. */
export function requireStates(setup: EnvSetup, what = 'A tabular model'): number {
  const count = setup.spec.stateCount(setup.params);
  if (count !== null) return count;
  const fix = 'layoutSeed' in setup.spec.knobs ? ' Fix one layout (e.g. --set layoutSeed=0) so that states can be enumerated.' : '';
  throw new UsageError(`${what} needs integer state ids, but ${setup.spec.name} has none under these settings (its state space is too large to enumerate).${fix}`);
}

// ---- recording ----------------------------------------------------------------------------------

/** Counts of experience, growing as it is recorded; `build()` turns them into a `TabularModel`. */
export class ModelRecorder {
  readonly stateCount: number;
  readonly actionCount: number;
  readonly objectiveCount: number;
  steps = 0;
  episodes = 0;
  private readonly visits: Int32Array;
  private readonly terminals: Int32Array;
  private readonly featureSums: Float64Array;
  private readonly starts: Float64Array;
  private readonly seen: Uint8Array;
  /** Successor lists as in the planner: `head[sa]` → edge → `edgeNext[edge]` …; each edge is (s', count). */
  private readonly head: Int32Array;
  private edgeNext: Int32Array = new Int32Array(1024);
  private edgeState: Int32Array = new Int32Array(1024);
  private edgeCount: Int32Array = new Int32Array(1024);
  private edges = 0;

  constructor(readonly setup: EnvSetup) {
    this.stateCount = requireStates(setup);
    this.actionCount = setup.spec.actions.length;
    this.objectiveCount = setup.spec.objectives.length;
    const pairs = this.stateCount * this.actionCount;
    this.visits = new Int32Array(pairs);
    this.terminals = new Int32Array(pairs);
    this.featureSums = new Float64Array(pairs * this.objectiveCount);
    this.starts = new Float64Array(this.stateCount);
    this.seen = new Uint8Array(this.stateCount);
    this.head = new Int32Array(pairs).fill(-1);
  }

  /** An episode began in `state`. */
  recordStart(state: number): void {
    this.checkState(state);
    this.starts[state]++;
    this.seen[state] = 1;
    this.episodes++;
  }

  /**
   * One step: `action` in `state` incremented the objectives by `features[offset .. offset + k)`, and
   * either terminated the episode or led to `next` (for a truncated step: the state it was cut off in).
   */
  recordStep(state: number, action: number, features: ArrayLike<number>, offset: number, terminated: boolean, next: number): void {
    this.checkState(state);
    if (!(Number.isInteger(action) && action >= 0 && action < this.actionCount)) {
      throw new UsageError(`${this.setup.spec.name} has actions 0..${this.actionCount - 1}; got ${action}.`);
    }
    const sa = state * this.actionCount + action;
    const k = this.objectiveCount;
    this.visits[sa]++;
    this.seen[state] = 1;
    this.steps++;
    for (let j = 0; j < k; j++) this.featureSums[sa * k + j] += features[offset + j];
    if (terminated) {
      this.terminals[sa]++;
      return;
    }
    this.checkState(next);
    this.seen[next] = 1;
    for (let e = this.head[sa]; e >= 0; e = this.edgeNext[e]) {
      if (this.edgeState[e] === next) {
        this.edgeCount[e]++;
        return;
      }
    }
    if (this.edges === this.edgeState.length) this.grow(2 * this.edges);
    const e = this.edges++;
    this.edgeState[e] = next;
    this.edgeCount[e] = 1;
    this.edgeNext[e] = this.head[sa];
    this.head[sa] = e;
  }

  /** Freeze the counts into probabilities and means. Successors are listed by state id. */
  build(): TabularModel {
    if (this.episodes === 0) throw new UsageError('The model has no experience yet: collect some before building it.');
    const { stateCount: S, actionCount: A, objectiveCount: k } = this;
    const pairs = S * A;
    const { spec, params } = this.setup;
    const edgeStart = new Int32Array(pairs + 1);
    const edgeState = new Int32Array(this.edges);
    const edgeProbability = new Float64Array(this.edges);
    const termination = new Float64Array(pairs);
    const features = new Float64Array(pairs * k);
    const triedCount = new Int32Array(S);
    const pairStart = new Int32Array(S + 1);
    const tried: number[] = [];
    const successors: Array<[number, number]> = [];
    let at = 0;
    for (let sa = 0; sa < pairs; sa++) {
      edgeStart[sa] = at;
      const visits = this.visits[sa];
      if (visits === 0) continue;
      triedCount[(sa / A) | 0]++;
      tried.push(sa);
      termination[sa] = this.terminals[sa] / visits;
      for (let j = 0; j < k; j++) features[sa * k + j] = this.featureSums[sa * k + j] / visits;
      successors.length = 0;
      for (let e = this.head[sa]; e >= 0; e = this.edgeNext[e]) successors.push([this.edgeState[e], this.edgeCount[e]]);
      successors.sort((x, y) => x[0] - y[0]);
      for (const [next, count] of successors) {
        edgeState[at] = next;
        edgeProbability[at] = count / visits;
        at++;
      }
    }
    edgeStart[pairs] = at;
    for (let s = 0; s < S; s++) pairStart[s + 1] = pairStart[s] + triedCount[s];
    const start = new Float64Array(S);
    for (let s = 0; s < S; s++) start[s] = this.starts[s] / this.episodes;
    return {
      env: spec.name,
      stateCount: S,
      actionCount: A,
      objectives: spec.objectives.map((o) => o.name),
      intended: intendedIndex(spec),
      horizon: spec.horizon(params),
      visits: this.visits.slice(),
      triedCount,
      pairStart,
      pairs: Int32Array.from(tried),
      seen: this.seen.slice(),
      start,
      edgeStart,
      edgeState,
      edgeProbability,
      termination,
      features,
      steps: this.steps,
      episodes: this.episodes,
    };
  }

  private checkState(state: number): void {
    if (!(Number.isInteger(state) && state >= 0 && state < this.stateCount)) {
      throw new UsageError(`${this.setup.spec.name} has state ids 0..${this.stateCount - 1}; got ${state}.`);
    }
  }

  private grow(capacity: number): void {
    const grow = (old: Int32Array): Int32Array => {
      const array = new Int32Array(capacity);
      array.set(old);
      return array;
    };
    this.edgeNext = grow(this.edgeNext);
    this.edgeState = grow(this.edgeState);
    this.edgeCount = grow(this.edgeCount);
  }
}

// ---- collecting ---------------------------------------------------------------------------------

export interface CollectOptions {
  /** Environment steps to take, over all copies together (rounded up to a multiple of `copies`). */
  readonly steps: number;
  /** Environment copies stepped together (default 8). */
  readonly copies?: number;
  /** The behaviour to follow; without one, actions are uniform. */
  readonly policy?: BehaviourPolicy;
  /** Share of uniformly random actions mixed into `policy` (default 0; ignored without a policy). */
  readonly epsilon?: number;
}

export interface CollectSummary {
  readonly steps: number;
  readonly episodes: number;
}

/**
 * Step environment copies under the behaviour and record every step into `recorder`. All randomness
 * from `rng`: the copies' seeds and every action drawn.
 */
export function collectExperience(recorder: ModelRecorder, options: CollectOptions, rng: Rng): CollectSummary {
  const { spec, params } = recorder.setup;
  const copies = options.copies ?? 8;
  const epsilon = options.policy === undefined ? 1 : (options.epsilon ?? 0);
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new UsageError(`Collecting experience needs steps >= 1 (an integer); got ${options.steps}.`);
  if (!Number.isInteger(copies) || copies < 1) throw new UsageError(`Collecting experience needs copies >= 1 (an integer); got ${copies}.`);
  if (!(epsilon >= 0 && epsilon <= 1)) throw new UsageError(`epsilon is the share of uniform actions, in [0, 1]; got ${epsilon}.`);
  const A = recorder.actionCount;
  const k = recorder.objectiveCount;
  const policy = options.policy === undefined ? null : statePolicy(options.policy, recorder.stateCount, A);
  const vec = new VectorEnv(spec, params, copies);
  vec.reset(rng.uint32());
  const draws = rng.fork();
  const actions = new Int32Array(copies);
  const states = new Int32Array(copies);
  const startEpisodes = recorder.episodes;
  for (let i = 0; i < copies; i++) recorder.recordStart(vec.stateIds[i]);
  const rounds = Math.ceil(options.steps / copies);
  for (let t = 0; t < rounds; t++) {
    for (let i = 0; i < copies; i++) {
      const s = vec.stateIds[i];
      actions[i] = policy === null || draws.float() < epsilon ? draws.int(A) : sampleAction(policy(s), 0, A, draws);
    }
    states.set(vec.stateIds);
    vec.step(actions);
    for (let i = 0; i < copies; i++) {
      const terminated = vec.terminated[i] === 1;
      const truncated = vec.truncated[i] === 1;
      const next = truncated ? vec.finalStateIds[i] : vec.stateIds[i];
      recorder.recordStep(states[i], actions[i], vec.objectives, i * k, terminated, next);
      if (terminated || truncated) recorder.recordStart(vec.stateIds[i]);
    }
  }
  return { steps: rounds * copies, episodes: recorder.episodes - startEpisodes };
}

/** Collect into a fresh recorder and build the model: the one-call form. */
export function collectModel(setup: EnvSetup, options: CollectOptions, rng: Rng): TabularModel {
  const recorder = new ModelRecorder(setup);
  collectExperience(recorder, options, rng);
  return recorder.build();
}

/** A table or a function, as a function; a table must have one row per state. */
export function statePolicy(policy: BehaviourPolicy, stateCount: number, actionCount: number): StatePolicy {
  if (typeof policy === 'function') return policy;
  if (policy.length !== stateCount * actionCount) {
    throw new UsageError(`A policy table needs states × actions = ${stateCount} × ${actionCount} entries; got ${policy.length}.`);
  }
  return (state) => policy.subarray(state * actionCount, (state + 1) * actionCount);
}

/** Draw an action from `probabilities[offset .. offset + actionCount)`. */
export function sampleAction(probabilities: ArrayLike<number>, offset: number, actionCount: number, rng: Rng): number {
  let u = rng.float();
  let last = -1;
  for (let a = 0; a < actionCount; a++) {
    const p = probabilities[offset + a];
    if (p <= 0) continue;
    last = a;
    if (u < p) return a;
    u -= p;
  }
  if (last < 0) throw new UsageError('A policy gave an action distribution with no positive probability.');
  return last; // rounding left a sliver of u: the last possible action
}

// ---- reading the model --------------------------------------------------------------------------

/** Whether action a was ever tried in state s. */
export function isTried(model: TabularModel, state: number, action: number): boolean {
  return model.visits[state * model.actionCount + action] > 0;
}

/** The successors of (s, a) with their probabilities (empty for a pair never tried). */
export function transitions(model: TabularModel, state: number, action: number): Array<{ state: number; probability: number }> {
  const sa = state * model.actionCount + action;
  const out: Array<{ state: number; probability: number }> = [];
  for (let e = model.edgeStart[sa]; e < model.edgeStart[sa + 1]; e++) out.push({ state: model.edgeState[e], probability: model.edgeProbability[e] });
  return out;
}

/** φ(s, a) by objective name. */
export function featuresOf(model: TabularModel, state: number, action: number): Record<string, number> {
  const k = model.objectives.length;
  const sa = state * model.actionCount + action;
  const out: Record<string, number> = {};
  model.objectives.forEach((name, j) => (out[name] = model.features[sa * k + j]));
  return out;
}

/** Pairs never tried in states that were seen: the gaps in the model's knowledge. */
export function untriedPairs(model: TabularModel): Array<{ state: number; action: number }> {
  const out: Array<{ state: number; action: number }> = [];
  for (let s = 0; s < model.stateCount; s++) {
    if (model.seen[s] === 0) continue;
    for (let a = 0; a < model.actionCount; a++) if (model.visits[s * model.actionCount + a] === 0) out.push({ state: s, action: a });
  }
  return out;
}

/** A weight vector in spec order from weights by objective name (names not given weigh 0). */
export function weightVector(model: TabularModel, weights: Readonly<Record<string, number>> | ArrayLike<number>): Float64Array {
  const k = model.objectives.length;
  const out = new Float64Array(k);
  if (isArrayLike(weights)) {
    if (weights.length !== k) throw new UsageError(`${model.env} has ${k} candidate objectives (${model.objectives.join(', ')}); got ${weights.length} weights.`);
    for (let j = 0; j < k; j++) out[j] = weights[j];
  } else {
    for (const [name, weight] of Object.entries(weights)) {
      const j = model.objectives.indexOf(name);
      if (j < 0) throw new UsageError(`Unknown objective "${name}" of ${model.env}. Choices: ${model.objectives.join(', ')}.`);
      out[j] = weight;
    }
  }
  for (let j = 0; j < k; j++) {
    if (!Number.isFinite(out[j])) throw new UsageError(`The weight of "${model.objectives[j]}" must be a finite number; got ${out[j]}.`);
  }
  return out;
}

/** Weights by objective name, from a vector in spec order. */
export function namedWeights(model: TabularModel, weights: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  model.objectives.forEach((name, j) => (out[name] = weights[j]));
  return out;
}

function isArrayLike(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || ArrayBuffer.isView(value);
}
