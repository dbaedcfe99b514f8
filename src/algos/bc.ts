/**
 * Behaviour cloning (Pomerleau 1991): supervised learning of an expert's actions. The expert is the
 * explicit planner (planner.ts) given an objective — by default the INTENDED one, so the clone
 * learns what the designer meant and any misgeneralisation comes from imitation alone — or the
 * planner that fits its objective to the reward (`expert: 'planner-fit'`), or one pursuing any
 * named candidate objective (`expert: 'planner:observed-reward'`). Recorded episodes are not a
 * source yet.
 *
 *   1. expert: the planner explores `expertSteps` env steps and plans (value iteration, with the
 *      run's γ and reward horizon); its greedy policy over state ids is the demonstrator;
 *   2. demonstrations: each iterate, the expert plays `envs × stepsPerIteration` steps of seeded
 *      episodes, and every (observation planes, expert action) pair joins the dataset. These are
 *      the trainer's `steps`: the run's budget is the number of demonstrated steps. (The expert's own
 *      exploration is reported as `expert_steps` and not counted: it is the cost of the teacher.)
 *   3. cloning: `updatesPerIteration` minibatch Adam steps on the cross-entropy of the network's
 *      logits against the expert's actions, minibatches drawn uniformly from everything gathered
 *      so far; d CE / d logits = (softmax − onehot) / batch.
 *
 * `expertEpsilon` > 0 executes a random action with that probability while the label stays the
 * expert's choice (DART-style noise injection, Laskey et al. 2017): it shows the clone how to
 * recover from states the expert never visits. The mlp is built without a critic (the cnn's value
 * head goes unused: zero gradients). The policy is greedy on the logits by default (the expert is deterministic), or
 * samples softmax(logits). Randomness: the planner's exploration, the noise, the minibatches and
 * the network's initialisation, all from generators seeded from `setup.seed`.
 */
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Observation } from '../engine/env.js';
import type { Params } from '../engine/knobs.js';
import { intendedIndex, type EnvSpec } from '../engine/spec.js';
import { VectorEnv } from '../engine/vector.js';
import { loadTf } from '../nn/tf.js';
import type { Algorithm, Metrics, Policy, Trainer, TrainerState, TrainSetup } from '../train/types.js';
import { copyRow, createNetwork, NETWORK_KINDS, type NetworkKind } from './networks.js';
import { FIT, planner, PLANNER_DEFAULTS, type PlannerConfig } from './planner.js';
import type { ActorCriticNetwork } from '../nn/actor-critic.js';
import { greedyAction } from './tabular.js';

// ── Hyperparameters ─────────────────────────────────────────────────────────────────────────────
export interface BcConfig {
  readonly network: NetworkKind;
  /** Width of the hidden layers. */
  readonly hidden: number;
  /** `'planner'` (the intended objective), `'planner-fit'` (fitted to the reward), or `'planner:NAME'`. */
  readonly expert: string;
  /** Env steps the planner explores before it demonstrates (uniform exploration, then planning). */
  readonly expertSteps: number;
  /** Probability of executing a random action instead of the expert's (the label stays the expert's). */
  readonly expertEpsilon: number;
  /** Environment copies the expert demonstrates on together. */
  readonly envs: number;
  /** Steps of every copy per iterate: one iterate gathers `envs × stepsPerIteration` demonstrations. */
  readonly stepsPerIteration: number;
  readonly batchSize: number;
  /** Minibatch Adam steps per iterate, on the whole dataset gathered so far. */
  readonly updatesPerIteration: number;
  readonly learningRate: number;
  /** Clip gradients to this global norm; 0 turns clipping off. */
  readonly maxGradNorm: number;
  /** `greedy`: argmax of the logits; `sample`: a draw from softmax(logits). */
  readonly policy: 'greedy' | 'sample';
}

export const BC_DEFAULTS: BcConfig = {
  network: 'mlp',
  hidden: 64,
  expert: 'planner',
  expertSteps: 8 * 64 * 16,
  expertEpsilon: 0,
  envs: 8,
  stepsPerIteration: 64,
  batchSize: 64,
  updatesPerIteration: 64,
  learningRate: 1e-3,
  maxGradNorm: 0,
  policy: 'greedy',
};

// ── The expert ──────────────────────────────────────────────────────────────────────────────────
/**
 * The planner's objective for an `expert` setting: the name of the environment's intended objective
 * (whatever it is called there), `fit`, or a named one; a usage error lists the choices.
 */
function expertObjective(spec: EnvSpec<Params>, expert: string): string {
  if (expert === 'planner') return spec.objectives[intendedIndex(spec)].name;
  if (expert === 'planner-fit') return FIT;
  if (expert.startsWith('planner:') && expert.length > 'planner:'.length) return expert.slice('planner:'.length);
  throw new UsageError(
    `Algorithm "bc": unknown expert "${expert}". Choices: planner (the planner pursuing the intended objective), ` +
      'planner-fit (the planner fitting its objective to the reward), planner:NAME (a named candidate objective).',
  );
}

/** The planner is tabular: without state ids there is no expert. Says why and how to get some. */
function requireExpertStateIds(setup: TrainSetup): number {
  const count = setup.spec.stateCount(setup.params);
  if (count !== null) return count;
  const fix =
    'layoutSeed' in setup.spec.knobs
      ? 'Fix one layout (e.g. --set layoutSeed=0) so that its states can be enumerated.'
      : `No setting of ${setup.spec.name} gives it state ids, so bc cannot run on it yet.`;
  throw new UsageError(
    `Algorithm "bc" imitates the planner, which is tabular and needs integer state ids, but ${setup.spec.name} has ` +
      `none under these settings (its state space is too large to enumerate). ${fix}`,
  );
}

function plannerConfig(setup: TrainSetup, config: BcConfig): PlannerConfig {
  return { ...PLANNER_DEFAULTS, objective: expertObjective(setup.spec, config.expert) };
}

/** Train the planner for `expertSteps` env steps; its action values `[states, actions]`. */
async function trainExpert(setup: TrainSetup, config: BcConfig, seed: number): Promise<{ q: Float64Array; steps: number }> {
  const expertSetup: TrainSetup = { ...setup, seed };
  const trainer = await planner.create(expertSetup, plannerConfig(setup, config));
  while (trainer.steps < config.expertSteps) await trainer.iterate();
  return { q: trainer.save().arrays.q as Float64Array, steps: trainer.steps };
}

// ── The policy ──────────────────────────────────────────────────────────────────────────────────
class BcPolicy implements Policy {
  constructor(
    readonly network: ActorCriticNetwork,
    private readonly mode: BcConfig['policy'],
  ) {}
  act(observation: Observation, rng: Rng): number {
    const { logits } = this.network.forward(observation.planes, 1);
    const A = this.network.actions;
    if (this.mode === 'greedy') {
      let best = 0;
      for (let a = 1; a < A; a++) if (logits[a] > logits[best]) best = a;
      return best;
    }
    let max = -Infinity;
    for (let a = 0; a < A; a++) max = Math.max(max, logits[a]);
    let sum = 0;
    for (let a = 0; a < A; a++) sum += Math.exp(logits[a] - max);
    let u = rng.float() * sum;
    for (let a = 0; a < A - 1; a++) {
      u -= Math.exp(logits[a] - max);
      if (u < 0) return a;
    }
    return A - 1;
  }
  dispose(): void {
    this.network.dispose();
  }
}

// ── The trainer ─────────────────────────────────────────────────────────────────────────────────
class BcTrainer implements Trainer {
  steps = 0;
  private iterations = 0;
  private readonly vec: VectorEnv;
  private readonly net: ActorCriticNetwork;
  private readonly rng: Rng;
  private readonly D: number;
  private readonly A: number;
  private readonly stepActions: Int32Array;
  // The dataset: observation planes and the expert's actions, grown by doubling.
  private observations: Float32Array;
  private labels: Int32Array;
  private size = 0;
  // Minibatch scratch.
  private readonly mbObs: Float32Array;
  private readonly mbLabels: Int32Array;
  private readonly dLogits: Float32Array;
  private readonly dValues: Float32Array;

  constructor(
    private readonly setup: TrainSetup,
    private readonly config: BcConfig,
    private readonly expertQ: Float64Array,
    private readonly expertSteps: number,
    rng: Rng,
    state?: TrainerState,
  ) {
    this.rng = rng;
    this.vec = new VectorEnv(setup.spec, setup.params, config.envs);
    this.D = this.vec.planeSize;
    this.A = setup.spec.actions.length;
    this.net = createNetwork(config.network, this.vec.shape, this.A, config.hidden, this.rng.fork(), { critic: false });
    this.stepActions = new Int32Array(config.envs);
    const chunk = config.envs * config.stepsPerIteration;
    const capacity = setup.budget !== undefined ? Math.ceil(setup.budget / chunk) * chunk : 16 * chunk;
    this.observations = new Float32Array(capacity * this.D);
    this.labels = new Int32Array(capacity);
    this.mbObs = new Float32Array(config.batchSize * this.D);
    this.mbLabels = new Int32Array(config.batchSize);
    this.dLogits = new Float32Array(config.batchSize * this.A);
    this.dValues = new Float32Array(config.batchSize); // no value loss: always 0
    this.vec.reset(setup.seed * 1_000_003);
    if (state) this.load(state);
  }

  iterate(): Metrics {
    const { config, vec, D, A } = this;
    const N = config.envs;
    // ── demonstrations: the expert acts; (planes, expert action) joins the dataset ──
    this.reserve(this.size + N * config.stepsPerIteration);
    let episodes = 0;
    let returnSum = 0;
    let performanceSum = 0;
    for (let t = 0; t < config.stepsPerIteration; t++) {
      for (let i = 0; i < N; i++) {
        const label = greedyAction(this.expertQ, vec.stateIds[i] * A, A);
        copyRow(vec.planes, i, this.observations, this.size, D);
        this.labels[this.size++] = label;
        const noisy = config.expertEpsilon > 0 && this.rng.float() < config.expertEpsilon;
        this.stepActions[i] = noisy ? this.rng.int(A) : label;
      }
      vec.step(this.stepActions);
      this.steps += N;
      for (let i = 0; i < N; i++) {
        if (vec.terminated[i] || vec.truncated[i]) {
          episodes++;
          returnSum += vec.episodeReturn[i];
          performanceSum += vec.episodePerformance[i];
        }
      }
    }

    // ── cloning: minibatch Adam on the cross-entropy of the logits against the expert's actions ──
    const B = config.batchSize;
    let lossSum = 0;
    let correct = 0;
    let gradNormSum = 0;
    for (let u = 0; u < config.updatesPerIteration; u++) {
      for (let j = 0; j < B; j++) {
        const k = this.rng.int(this.size);
        copyRow(this.observations, k, this.mbObs, j, D);
        this.mbLabels[j] = this.labels[k];
      }
      const logits = this.net.forward(this.mbObs, B).logits;
      for (let j = 0; j < B; j++) {
        // log-softmax of row j; CE = −log p(label); d CE / d logit_a = (p_a − [a = label]) / B
        const base = j * A;
        const label = this.mbLabels[j];
        let max = -Infinity;
        let best = 0;
        for (let a = 0; a < A; a++) {
          if (logits[base + a] > max) {
            max = logits[base + a];
            best = a;
          }
        }
        let sum = 0;
        for (let a = 0; a < A; a++) sum += Math.exp(logits[base + a] - max);
        const logSum = max + Math.log(sum);
        lossSum -= logits[base + label] - logSum;
        if (best === label) correct++;
        for (let a = 0; a < A; a++) this.dLogits[base + a] = (Math.exp(logits[base + a] - logSum) - (a === label ? 1 : 0)) / B;
      }
      gradNormSum += this.net.backwardAndStep(this.dLogits, this.dValues, config.learningRate, config.maxGradNorm);
    }
    this.iterations++;
    const samples = config.updatesPerIteration * B;
    // episodes, return and performance are the demonstrations' (the expert's, with its noise), not the clone's
    return {
      episodes,
      return: episodes ? returnSum / episodes : NaN,
      performance: episodes ? performanceSum / episodes : NaN,
      loss: samples ? lossSum / samples : NaN,
      accuracy: samples ? correct / samples : NaN,
      grad_norm: config.updatesPerIteration ? gradNormSum / config.updatesPerIteration : NaN,
      demonstrations: this.size,
      expert_steps: this.expertSteps,
    };
  }

  /** Room for `count` demonstrations (doubling; only where the budget was unknown or exceeded). */
  private reserve(count: number): void {
    if (count <= this.labels.length) return;
    const capacity = Math.max(count, 2 * this.labels.length);
    const observations = new Float32Array(capacity * this.D);
    observations.set(this.observations.subarray(0, this.size * this.D));
    const labels = new Int32Array(capacity);
    labels.set(this.labels.subarray(0, this.size));
    this.observations = observations;
    this.labels = labels;
  }

  save(): TrainerState {
    return {
      json: { algo: 'bc', version: 1, steps: this.steps, iterations: this.iterations, size: this.size, expertSteps: this.expertSteps, rng: this.rng.state() },
      arrays: {
        ...this.net.state(),
        'expert.q': this.expertQ.slice(),
        'demo.observations': this.observations.slice(0, this.size * this.D),
        'demo.labels': this.labels.slice(0, this.size),
        ...this.vec.snapshotArrays(),
      },
    };
  }

  private load(state: TrainerState): void {
    const json = state.json as { steps: number; iterations: number; size: number; rng: [number, number, number, number] };
    this.steps = json.steps;
    this.iterations = json.iterations;
    this.rng.setState(json.rng);
    this.net.loadState(state.arrays);
    this.reserve(json.size);
    this.observations.set(state.arrays['demo.observations'] as Float32Array);
    this.labels.set(state.arrays['demo.labels'] as Int32Array);
    this.size = json.size;
    this.vec.restoreArrays(state.arrays);
  }

  policy(): Policy {
    return new BcPolicy(this.net, this.config.policy);
  }

  dispose(): void {
    this.net.dispose();
  }
}

// ── The algorithm ───────────────────────────────────────────────────────────────────────────────
function checkSetup(setup: TrainSetup, config: BcConfig): void {
  const fail = (what: string): never => {
    throw new UsageError(`Algorithm "bc": ${what}.`);
  };
  requireExpertStateIds(setup);
  planner.check?.(setup, plannerConfig(setup, config)); // the objective's name, γ and H
  if (!NETWORK_KINDS.includes(config.network)) fail(`network must be one of ${NETWORK_KINDS.join(', ')}; got "${config.network}"`);
  if (config.policy !== 'greedy' && config.policy !== 'sample') fail(`policy must be "greedy" or "sample"; got "${config.policy}"`);
  for (const key of ['hidden', 'envs', 'stepsPerIteration', 'batchSize'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) fail(`${key} must be an integer >= 1; got ${config[key]}`);
  }
  for (const key of ['expertSteps', 'updatesPerIteration'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 0) fail(`${key} must be an integer >= 0; got ${config[key]}`);
  }
  if (!(config.expertEpsilon >= 0 && config.expertEpsilon <= 1)) fail(`expertEpsilon must be in [0, 1]; got ${config.expertEpsilon}`);
  if (!(config.learningRate > 0)) fail(`learningRate must be > 0; got ${config.learningRate}`);
  if (!(config.maxGradNorm >= 0)) fail(`maxGradNorm must be >= 0 (0: no clipping); got ${config.maxGradNorm}`);
}

export const bc: Algorithm<BcConfig> = {
  name: 'bc',
  summary: 'behaviour cloning of the planner (given the intended objective, or fitted to reward): cross-entropy on expert demonstrations',
  defaults: BC_DEFAULTS,
  check: checkSetup,
  async create(setup, config, state) {
    requireExpertStateIds(setup);
    await loadTf();
    const rng = new Rng(setup.seed);
    const expertSeed = rng.uint32();
    if (state) {
      const json = state.json as Record<string, unknown>;
      if (json?.algo !== 'bc') throw new UsageError(`This checkpoint is not a "bc" trainer's state (it says "${String(json?.algo)}").`);
      return new BcTrainer(setup, config, state.arrays['expert.q'] as Float64Array, json.expertSteps as number, rng, state);
    }
    const expert = await trainExpert(setup, config, expertSeed);
    return new BcTrainer(setup, config, expert.q, expert.steps, rng);
  },
  async loadPolicy(setup, config, state) {
    await loadTf();
    const vec = new VectorEnv(setup.spec, setup.params, 1);
    const net = createNetwork(config.network, vec.shape, setup.spec.actions.length, config.hidden, new Rng(0), { critic: false });
    net.loadState(state.arrays);
    return new BcPolicy(net, config.policy);
  },
};
