/**
 * An explicit mesa-optimizer. Hubinger et al. (2019, "Risks from Learned Optimization", §1.1) call a
 * system an optimizer when it internally searches a space of possible actions for those that score
 * high on an objective represented explicitly within it. This planner is one, with every part readable:
 *
 *   1. explore: act ε-greedily on the current plan (uniformly at first) and record a tabular model of
 *      the environment: counts of (s, a) → s', how often (s, a) ended the episode, and the mean
 *      increments φ(s, a) of the environment's declared candidate objectives (`spec.objectives`);
 *   2. objective: weights w of r̂(s, a) = w · φ(s, a), fitted to the observed reward by least squares
 *      (with a tiny ridge) — or given (`objective: 'intended'`, or `weights`), so that a planner with a
 *      known objective, the intended one or a proxy, is ground truth for detectors;
 *   3. search: value iteration on the learned model with r̂, discounted by γ, or over a finite reward
 *      horizon H (`setup.myopia`); the policy is greedy on the resulting action values.
 *
 * One iterate is one exploration chunk (`envs × stepsPerIteration` env steps), then refit and replan.
 * Terminal transitions do not bootstrap; truncated ones bootstrap from the state they were cut off in.
 * Pairs (s, a) never tried have no value (−∞): the plan uses only actions it has seen; a state with no
 * tried action is worth 0. Greedy ties go to the lowest action index. Randomness: the exploration draws
 * and the copies' seeds, all from generators seeded from `setup.seed`.
 */
import { unknownName, UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { EnvSpec } from '../engine/spec.js';
import type { Params } from '../engine/knobs.js';
import type { Algorithm, Metrics, Policy, Trainer, TrainerState, TrainSetup } from '../train/types.js';
import {
  greedyAction,
  GreedyTablePolicy,
  requireStateCount,
  savedArray,
  savedNumber,
  savedRngState,
  stateJson,
  tabularVectorEnv,
  type TabularVectorEnv,
} from './tabular.js';

// ---- hyperparameters ----------------------------------------------------------------------------

/** Weights of the candidate objectives, by name: the planner's explicit objective. */
export type ObjectiveWeights = Readonly<Record<string, number>>;

export interface PlannerConfig {
  /**
   * `'fit'`: learn the weights from the observed reward. Or the name of one of the environment's
   * candidate objectives (e.g. `'intended'`): pursue that objective alone (weight 1, others 0).
   */
  readonly objective: string;
  /**
   * Explicit weights by objective name, overriding `objective`: an object (`{intended: 1}`) or text
   * (`'intended=1,observed-reward=-0.5'`). Objectives not named weigh 0.
   */
  readonly weights: ObjectiveWeights | string | null;
  /** Environment copies explored together. */
  readonly envs: number;
  /** Steps of every copy per iterate: one iterate explores `envs × stepsPerIteration` env steps. */
  readonly stepsPerIteration: number;
  /** ε of the exploration policy: 1 explores uniformly; below 1 it follows the current plan. */
  readonly explorationEpsilon: number;
  /** Ridge λ added to the normal equations of the fit (per-sample means), for collinear objectives. */
  readonly ridge: number;
  /** Most value-iteration sweeps per replan (discounted search; a finite horizon H takes H). */
  readonly maxSweeps: number;
  /** Discounted value iteration stops once no state value changes by more than this. */
  readonly tolerance: number;
}

export const PLANNER_DEFAULTS: PlannerConfig = {
  objective: 'fit',
  weights: null,
  envs: 8,
  stepsPerIteration: 64,
  explorationEpsilon: 1,
  ridge: 1e-6,
  maxSweeps: 10_000,
  tolerance: 1e-9,
};

export const FIT = 'fit';

// ---- the trainer --------------------------------------------------------------------------------

class PlannerTrainer implements Trainer {
  steps = 0;
  private episodes = 0;
  private iterations = 0;
  private sweeps = 0;
  private readonly stateCount: number;
  private readonly actionCount: number;
  private readonly objectiveNames: readonly string[];
  /** Given weights, or null where they are fitted to the reward. */
  private readonly givenWeights: Float64Array | null;
  /** The objective in use: w of r̂ = w · φ. */
  private readonly weights: Float64Array;
  private readonly rng: Rng;
  private readonly env: TabularVectorEnv;
  private readonly actions: Int32Array;
  private readonly states: Int32Array;

  // The model, per pair sa = s × actionCount + a.
  /** Times (s, a) was tried. */
  private readonly visits: Int32Array;
  /** Times (s, a) ended the episode (terminated). */
  private readonly terminals: Int32Array;
  /** Sums of the objective increments φ(s, a) `[pairs, objectiveCount]`. */
  private readonly featureSums: Float64Array;
  /** Successor lists: `head[sa]` → edge → `edgeNext[edge]` …; each edge is (s', count). */
  private readonly head: Int32Array;
  private edgeNext: Int32Array;
  private edgeState: Int32Array;
  private edgeCount: Int32Array;
  private edges = 0;
  /** Sufficient statistics of the reward fit: Σφφᵀ (k×k), Σφr (k), Σr², sample count. */
  private readonly fitSums: Float64Array;

  // The search.
  /** Action values of the plan `[stateCount, actionCount]`; −∞ where (s, a) was never tried. */
  private readonly q: Float64Array;
  /** State values: the last sweep's, kept to warm-start the next replan (discounted search). */
  private values: Float64Array;
  private nextValues: Float64Array;
  private readonly rewardModel: Float64Array;

  constructor(
    private readonly setup: TrainSetup,
    private readonly config: PlannerConfig,
    state?: TrainerState,
  ) {
    this.stateCount = requireStateCount(setup, 'planner');
    this.actionCount = setup.spec.actions.length;
    this.objectiveNames = setup.spec.objectives.map((o) => o.name);
    const k = this.objectiveNames.length;
    const pairs = this.stateCount * this.actionCount;
    this.givenWeights = objectiveWeights(setup.spec, config);
    this.weights = new Float64Array(k);
    if (this.givenWeights) this.weights.set(this.givenWeights);
    // Separate streams: the exploration draws must not mirror the environment copies' draws.
    const root = new Rng(setup.seed);
    const envSeed = root.uint32();
    this.rng = root.fork();
    this.env = tabularVectorEnv(setup, config.envs);
    this.actions = new Int32Array(config.envs);
    this.states = new Int32Array(config.envs);
    this.visits = new Int32Array(pairs);
    this.terminals = new Int32Array(pairs);
    this.featureSums = new Float64Array(pairs * k);
    this.head = new Int32Array(pairs).fill(-1);
    const capacity = Math.min(pairs, 1 << 16);
    this.edgeNext = new Int32Array(capacity);
    this.edgeState = new Int32Array(capacity);
    this.edgeCount = new Int32Array(capacity);
    this.fitSums = new Float64Array(k * k + k + 2);
    this.q = new Float64Array(pairs).fill(-Infinity);
    this.values = new Float64Array(this.stateCount);
    this.nextValues = new Float64Array(this.stateCount);
    this.rewardModel = new Float64Array(pairs);

    if (state === undefined) {
      this.env.vec.reset(envSeed);
      return;
    }
    // Restore: the model, the plan, the counters, the generator and the copies' in-flight episodes
    // (which the VectorEnv replays from their start) continue exactly where `save()` left them.
    const json = stateJson(state, 'planner');
    this.steps = savedNumber(json, 'steps');
    this.episodes = savedNumber(json, 'episodes');
    this.iterations = savedNumber(json, 'iterations');
    this.sweeps = savedNumber(json, 'sweeps');
    this.rng.setState(savedRngState(json, 'rng'));
    this.visits.set(savedArray(state, 'visits', Int32Array, pairs));
    this.terminals.set(savedArray(state, 'terminals', Int32Array, pairs));
    this.featureSums.set(savedArray(state, 'featureSums', Float64Array, pairs * k));
    this.head.set(savedArray(state, 'head', Int32Array, pairs));
    const edgeState = savedArray(state, 'edgeState', Int32Array);
    this.growEdges(edgeState.length);
    this.edges = edgeState.length;
    this.edgeState.set(edgeState);
    this.edgeNext.set(savedArray(state, 'edgeNext', Int32Array, this.edges));
    this.edgeCount.set(savedArray(state, 'edgeCount', Int32Array, this.edges));
    this.fitSums.set(savedArray(state, 'fitSums', Float64Array, this.fitSums.length));
    this.weights.set(savedArray(state, 'weights', Float64Array, k));
    this.q.set(savedArray(state, 'q', Float64Array, pairs));
    this.values.set(savedArray(state, 'values', Float64Array, this.stateCount));
    this.env.vec.restoreArrays(state.arrays);
  }

  iterate(): Metrics {
    const explored = this.explore();
    if (this.givenWeights === null) this.fitObjective();
    this.computeRewardModel();
    this.sweeps = this.search();
    this.iterations++;
    const metrics: Record<string, number> = {
      ...explored,
      epsilon: this.config.explorationEpsilon,
      fitRmse: this.fitRmse(),
      modelStates: this.knownStates(),
      sweeps: this.sweeps,
    };
    this.objectiveNames.forEach((name, j) => (metrics[`weight:${name}`] = this.weights[j]));
    return metrics;
  }

  /** The objective in use, by name: what this planner pursues. */
  objective(): ObjectiveWeights {
    const out: Record<string, number> = {};
    this.objectiveNames.forEach((name, j) => (out[name] = this.weights[j]));
    return out;
  }

  // ---- 1. explore, recording the model -------------------------------------------------------

  private explore(): { steps: number; episodes: number; return: number; performance: number } {
    const { vec, finalStateIds } = this.env;
    const n = this.config.envs;
    const k = this.objectiveNames.length;
    const A = this.actionCount;
    const epsilon = this.config.explorationEpsilon;
    const fit = this.fitSums;
    let episodes = 0;
    let returnSum = 0;
    let performanceSum = 0;
    for (let t = 0; t < this.config.stepsPerIteration; t++) {
      // act: ε-greedy on the current plan; uniformly where the plan knows no action of the state
      for (let i = 0; i < n; i++) {
        const s = vec.stateIds[i];
        const planned = greedyAction(this.q, s * A, A);
        const explore = this.rng.float() < epsilon || this.q[s * A + planned] === -Infinity;
        this.actions[i] = explore ? this.rng.int(A) : planned;
      }
      this.states.set(vec.stateIds);
      vec.step(this.actions);
      this.steps += n;
      for (let i = 0; i < n; i++) {
        const sa = this.states[i] * A + this.actions[i];
        const reward = vec.rewards[i];
        // the model: visits, φ sums, and where (s, a) led
        this.visits[sa]++;
        for (let j = 0; j < k; j++) this.featureSums[sa * k + j] += vec.objectives[i * k + j];
        if (vec.terminated[i] === 1) this.terminals[sa]++;
        else this.addEdge(sa, vec.truncated[i] === 1 ? finalStateIds[i] : vec.stateIds[i]);
        // the fit's sufficient statistics, per sample: Σφφᵀ, Σφr, Σr², n
        for (let j = 0; j < k; j++) {
          const phi = vec.objectives[i * k + j];
          for (let l = 0; l < k; l++) fit[j * k + l] += phi * vec.objectives[i * k + l];
          fit[k * k + j] += phi * reward;
        }
        fit[k * k + k] += reward * reward;
        fit[k * k + k + 1]++;
        if (vec.terminated[i] === 1 || vec.truncated[i] === 1) {
          episodes++;
          returnSum += vec.episodeReturn[i];
          performanceSum += vec.episodePerformance[i];
        }
      }
    }
    this.episodes += episodes;
    return {
      steps: this.steps,
      episodes,
      return: episodes > 0 ? returnSum / episodes : NaN,
      performance: episodes > 0 ? performanceSum / episodes : NaN,
    };
  }

  /** Count one transition (s, a) → s'; a new successor appends an edge to the pair's list. */
  private addEdge(sa: number, next: number): void {
    for (let e = this.head[sa]; e >= 0; e = this.edgeNext[e]) {
      if (this.edgeState[e] === next) {
        this.edgeCount[e]++;
        return;
      }
    }
    if (this.edges === this.edgeState.length) this.growEdges(Math.max(16, 2 * this.edges));
    const e = this.edges++;
    this.edgeState[e] = next;
    this.edgeCount[e] = 1;
    this.edgeNext[e] = this.head[sa];
    this.head[sa] = e;
  }

  private growEdges(capacity: number): void {
    if (capacity <= this.edgeState.length) return;
    const grow = (old: Int32Array): Int32Array => {
      const array = new Int32Array(capacity);
      array.set(old);
      return array;
    };
    this.edgeNext = grow(this.edgeNext);
    this.edgeState = grow(this.edgeState);
    this.edgeCount = grow(this.edgeCount);
  }

  // ---- 2. the objective ------------------------------------------------------------------------

  /** Least squares of the reward on φ: (Σφφᵀ/n + λI) w = Σφr/n, solved by Gaussian elimination. */
  private fitObjective(): void {
    const k = this.objectiveNames.length;
    const fit = this.fitSums;
    const samples = fit[k * k + k + 1];
    if (samples === 0) return;
    const m = new Float64Array(k * (k + 1)); // the augmented matrix [A | b]
    for (let j = 0; j < k; j++) {
      for (let l = 0; l < k; l++) m[j * (k + 1) + l] = fit[j * k + l] / samples + (j === l ? this.config.ridge : 0);
      m[j * (k + 1) + k] = fit[k * k + j] / samples;
    }
    solveInPlace(m, k, this.weights);
  }

  /** Root mean square of the reward's residual under the objective in use: how well it explains reward. */
  private fitRmse(): number {
    const k = this.objectiveNames.length;
    const fit = this.fitSums;
    const samples = fit[k * k + k + 1];
    if (samples === 0) return NaN;
    let square = fit[k * k + k];
    for (let j = 0; j < k; j++) {
      square -= 2 * this.weights[j] * fit[k * k + j];
      for (let l = 0; l < k; l++) square += this.weights[j] * fit[j * k + l] * this.weights[l];
    }
    return Math.sqrt(Math.max(0, square / samples));
  }

  /**
   * r̂(s, a) = w · φ̄(s, a), the objective's mean increment, for every tried pair. The means are taken
   * first: integer increments then average exactly, so equal pairs get bit-equal r̂ and true ties stay
   * ties (broken by action index, not by rounding).
   */
  private computeRewardModel(): void {
    const k = this.objectiveNames.length;
    for (let sa = 0; sa < this.visits.length; sa++) {
      const visits = this.visits[sa];
      if (visits === 0) continue;
      let value = 0;
      for (let j = 0; j < k; j++) value += this.weights[j] * (this.featureSums[sa * k + j] / visits);
      this.rewardModel[sa] = value;
    }
  }

  // ---- 3. search: value iteration on the model ------------------------------------------------

  /**
   * Finite horizon H: H backward sweeps from V_0 = 0, so q = Q_H, Q_h = r̂ + γ P V_{h−1}. Discounted
   * (H = 0): sweeps from the last plan's values until they change by at most `tolerance`. Returns
   * the number of sweeps.
   */
  private search(): number {
    const horizon = this.setup.myopia.rewardHorizon;
    if (horizon > 0) {
      this.values.fill(0);
      for (let h = 1; h <= horizon; h++) this.sweep();
      return horizon;
    }
    for (let sweeps = 1; sweeps <= this.config.maxSweeps; sweeps++) {
      if (this.sweep() <= this.config.tolerance) return sweeps;
    }
    return this.config.maxSweeps;
  }

  /**
   * One synchronous Bellman backup: Q(s,a) = r̂(s,a) + γ Σ_s' P̂(s'|s,a) V(s'), where P̂ counts only
   * non-terminal outcomes (a terminal one contributes r̂ and nothing after); V'(s) = max_a Q(s,a) over
   * tried actions, 0 where none was tried. Returns max |V' − V|.
   */
  private sweep(): number {
    const A = this.actionCount;
    const gamma = this.setup.myopia.gamma;
    const values = this.values;
    const next = this.nextValues;
    let change = 0;
    for (let s = 0; s < this.stateCount; s++) {
      let best = -Infinity;
      for (let a = 0; a < A; a++) {
        const sa = s * A + a;
        const visits = this.visits[sa];
        if (visits === 0) continue;
        // P̂(s'|s,a) = count / visits: exactly 1 for a deterministic pair, so equal values stay equal
        let future = 0;
        for (let e = this.head[sa]; e >= 0; e = this.edgeNext[e]) future += (this.edgeCount[e] / visits) * values[this.edgeState[e]];
        const value = this.rewardModel[sa] + gamma * future;
        this.q[sa] = value;
        if (value > best) best = value;
      }
      next[s] = best === -Infinity ? 0 : best;
      change = Math.max(change, Math.abs(next[s] - values[s]));
    }
    this.nextValues = values;
    this.values = next;
    return change;
  }

  private knownStates(): number {
    let known = 0;
    for (let s = 0; s < this.stateCount; s++) {
      for (let a = 0; a < this.actionCount; a++) {
        if (this.visits[s * this.actionCount + a] > 0) {
          known++;
          break;
        }
      }
    }
    return known;
  }

  // ---- the contract ----------------------------------------------------------------------------

  save(): TrainerState {
    return {
      json: {
        algo: 'planner',
        version: 1,
        steps: this.steps,
        episodes: this.episodes,
        iterations: this.iterations,
        sweeps: this.sweeps,
        rng: this.rng.state(),
        objective: this.objective(),
        fitted: this.givenWeights === null,
        gamma: this.setup.myopia.gamma,
        rewardHorizon: this.setup.myopia.rewardHorizon,
      },
      arrays: {
        visits: this.visits.slice(),
        terminals: this.terminals.slice(),
        featureSums: this.featureSums.slice(),
        head: this.head.slice(),
        edgeNext: this.edgeNext.slice(0, this.edges),
        edgeState: this.edgeState.slice(0, this.edges),
        edgeCount: this.edgeCount.slice(0, this.edges),
        fitSums: this.fitSums.slice(),
        weights: this.weights.slice(),
        q: this.q.slice(),
        values: this.values.slice(),
        ...this.env.vec.snapshotArrays(),
      },
    };
  }

  /** Greedy on the plan's action values, from a copy: later iterates do not change it. */
  policy(): Policy {
    return new GreedyTablePolicy(this.q.slice(), this.stateCount, this.actionCount, this.setup.spec.name);
  }
}

/** Solve the k×k system in the augmented matrix `m` ([A | b], row-major) into `out`; partial pivoting. */
function solveInPlace(m: Float64Array, k: number, out: Float64Array): void {
  const width = k + 1;
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let row = col + 1; row < k; row++) if (Math.abs(m[row * width + col]) > Math.abs(m[pivot * width + col])) pivot = row;
    if (m[pivot * width + col] === 0) continue; // singular without a ridge: leave this weight at 0
    for (let c = 0; c < width; c++) {
      const tmp = m[col * width + c];
      m[col * width + c] = m[pivot * width + c];
      m[pivot * width + c] = tmp;
    }
    for (let row = col + 1; row < k; row++) {
      const factor = m[row * width + col] / m[col * width + col];
      for (let c = col; c < width; c++) m[row * width + c] -= factor * m[col * width + c];
    }
  }
  for (let row = k - 1; row >= 0; row--) {
    const diagonal = m[row * width + row];
    let value = m[row * width + k];
    for (let c = row + 1; c < k; c++) value -= m[row * width + c] * out[c];
    out[row] = diagonal === 0 ? 0 : value / diagonal;
  }
}

// ---- the objective from the configuration -------------------------------------------------------

/** The given weights in `spec.objectives` order, or null for `objective: 'fit'`; usage errors name the fix. */
export function objectiveWeights(spec: EnvSpec<Params>, config: PlannerConfig): Float64Array | null {
  const names = spec.objectives.map((o) => o.name);
  const hint = `Run "mesalab envs ${spec.name}" for its objectives.`;
  const weights = new Float64Array(names.length);
  if (config.weights !== null && config.weights !== undefined) {
    const entries = typeof config.weights === 'string' ? parseWeights(config.weights) : Object.entries(config.weights);
    for (const [name, weight] of entries) {
      const j = names.indexOf(name);
      if (j < 0) throw unknownName('objective', name, names, hint, spec.name);
      if (typeof weight !== 'number' || !Number.isFinite(weight)) {
        throw new UsageError(`The planner's weight for "${name}" must be a finite number; got ${String(weight)}.`);
      }
      weights[j] = weight;
    }
    return weights;
  }
  if (config.objective === FIT) return null;
  const j = names.indexOf(config.objective);
  if (j < 0) throw unknownName('objective', config.objective, [FIT, ...names], hint, spec.name);
  weights[j] = 1;
  return weights;
}

/** `'intended=1, observed-reward=-0.5'` → entries. */
function parseWeights(text: string): Array<[string, number]> {
  return text
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const value = eq > 0 ? part.slice(eq + 1).trim() : '';
      if (eq <= 0 || value === '' || !Number.isFinite(Number(value))) {
        throw new UsageError(`The planner's weights take name=number pairs, e.g. "intended=1,observed-reward=0"; got "${part.trim()}".`);
      }
      return [part.slice(0, eq).trim(), Number(value)];
    });
}

// ---- the algorithm ------------------------------------------------------------------------------

function checkSetup(setup: TrainSetup, config: PlannerConfig): void {
  requireStateCount(setup, 'planner');
  objectiveWeights(setup.spec, config);
  const { gamma, rewardHorizon } = setup.myopia;
  const fail = (what: string): never => {
    throw new UsageError(`Algorithm "planner": ${what}.`);
  };
  if (!(gamma >= 0 && gamma <= 1)) fail(`the discount gamma must be in [0, 1]; got ${gamma}`);
  if (!Number.isInteger(rewardHorizon) || rewardHorizon < 0) fail(`the reward horizon must be an integer >= 0; got ${rewardHorizon}`);
  for (const key of ['envs', 'stepsPerIteration', 'maxSweeps'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) fail(`${key} must be an integer >= 1; got ${config[key]}`);
  }
  if (!(config.explorationEpsilon >= 0 && config.explorationEpsilon <= 1)) {
    fail(`explorationEpsilon must be in [0, 1]; got ${config.explorationEpsilon}`);
  }
  if (!(config.ridge >= 0)) fail(`ridge must be >= 0; got ${config.ridge}`);
  if (!(config.tolerance >= 0)) fail(`tolerance must be >= 0; got ${config.tolerance}`);
}

export const planner: Algorithm<PlannerConfig> = {
  name: 'planner',
  summary: 'explicit mesa-optimizer: learns a tabular model, fits (or is given) an objective over the candidate objectives, plans by value iteration',
  defaults: PLANNER_DEFAULTS,
  check: checkSetup,
  create: (setup, config, state) => new PlannerTrainer(setup, config, state),
  loadPolicy: (setup, _config, state) => {
    stateJson(state, 'planner');
    const stateCount = requireStateCount(setup, 'planner');
    const actionCount = setup.spec.actions.length;
    const q = savedArray(state, 'q', Float64Array, stateCount * actionCount);
    return new GreedyTablePolicy(q.slice(), stateCount, actionCount, setup.spec.name);
  },
};

/** The objective a saved planner pursues, by objective name (readable ground truth for detectors). */
export function savedObjective(state: TrainerState): ObjectiveWeights {
  const json = stateJson(state, 'planner');
  return json.objective as ObjectiveWeights;
}
