/**
 * Maximum entropy goal-directedness (MEG; MacDermott, Fox, Belardinelli & Everitt 2024, "Measuring
 * Goal-Directedness", NeurIPS, arXiv:2412.04758): how much better a policy's decisions are predicted
 * by "it pursues utility U" than by "it acts uniformly at random".
 *
 *   MEG_U(π) = max_{π' ∈ Π^maxent_U} E_π[ Σ_t ( log π'(A_t | S_t) − log 1/|A(S_t)| ) ]      (Def. 3.2)
 *
 * In an MDP the maximum entropy policies for U are the soft-optimal ones π_β (Eq. 3; soft.ts), one per
 * attainable expected utility, so the maximum is over the rationality β. That set spans every
 * attainable utility, below the uniform policy's as well as above, so β runs over all of ℝ (β < 0:
 * soft-minimising U); this is what makes MEG_U = MEG_{aU+b} for every a ≠ 0 (the paper's translation
 * and scale invariance). β = 0 is the uniform policy, so MEG ≥ 0, and MEG ≤ E[Σ_t log |A(S_t)|], which
 * a deterministic policy that U predicts perfectly attains (β → ∞). We report both the paper's per
 * episode sum (nats) and the same per decision (divided by the expected number of decisions), which
 * compares across horizons; and the β that attains the maximum.
 *
 * The expectation E_π is over the agent's own decisions: for a policy table, its expected
 * state-action occupancy over one episode of the environment's horizon from the model's start
 * distribution (undiscounted: every decision counts once); for demonstrations, their empirical
 * counts. The maximisation over β is fitBeta (likelihood.ts): maximising E_π[log π_β] is maximum
 * likelihood with the occupancy as counts, which also matches expected utilities (the gradient step of
 * the paper's Algorithm 1). `megBestLinear` maximises over the whole linear class w · φ as well (the
 * paper's unknown-utility MEG, Def. 4.3, over our declared candidate features), by the IRL fit.
 *
 * The definitions (Defs. 3.1–3.2, 4.3, 5.2, Eq. 3, the invariance for a ≠ 0, the bounds, Algorithms
 * 1–2) were read from a detailed summary of the paper, not from its full text; the per-decision
 * normalisation and the undiscounted one-episode occupancy are our choices for episodic environments.
 * The action sets are the model's (soft.ts): pairs never tried are not available, and decisions the
 * model cannot follow (untried pairs, states with nothing tried) are left out and reported as a share.
 */
import { UsageError } from '../core/errors.js';
import { demonstrationCounts, modelledCounts, type Demonstrations } from './demonstrations.js';
import { uniformLogLikelihood } from './likelihood.js';
import { fitBeta, fitWeights } from './search.js';
import { namedWeights, weightVector, type TabularModel } from './model.js';
import { resolveSoftOptions, type SoftOptions } from './soft.js';

/** Whose goal-directedness: a policy table π(a | s) `[S × A]`, or what an agent was seen to do. */
export type Behaviour = { readonly policy: Float64Array } | { readonly demonstrations: Demonstrations };

/** A utility: a candidate objective's name, or weights over the candidates (by name or in spec order). */
export type Utility = string | Readonly<Record<string, number>> | ArrayLike<number>;

export interface MegOptions extends SoftOptions {
  /** Search β < 0 too, as the paper's maximum entropy set includes (default true). */
  readonly negativeBeta?: boolean;
  /** Where β is searched before its limit ±∞ is tried: β · max|w · φ| up to this (default 1e6). */
  readonly betaRange?: number;
  /** Steps of an episode for a policy's occupancy (default: the environment's horizon). */
  readonly episodeHorizon?: number;
  /** `megBestLinear` only: the L2 penalty of its fit (default 1e-6, just enough to keep θ finite). */
  readonly l2?: number;
}

export interface MegResult {
  /** The objective's name, "weights" for a given weight vector, or "best linear". */
  readonly utility: string;
  /** The utility's weights by objective name (for "best linear": the fitted direction, unit length). */
  readonly weights: Readonly<Record<string, number>>;
  /** MEG in nats per decision. */
  readonly perStep: number;
  /** MEG in nats per episode: the paper's sum over decisions. */
  readonly perEpisode: number;
  /** The rationality that attains it: 0 (uniform), finite, or ±Infinity (optimal / pessimal). */
  readonly beta: number;
  /** The bound E[log |A(s)|] per decision, attained by a deterministic, perfectly predicted policy. */
  readonly maxPerStep: number;
  /** Decisions per episode: expected under the policy, or the demonstrations' mean. */
  readonly episodeLength: number;
  /** Decisions the measure rests on: demonstrated steps, or a policy's expected decisions per episode. */
  readonly decisions: number;
  /** Share of decisions left out because the model cannot follow them. */
  readonly unmodelledShare: number;
}

/** MEG of the behaviour with respect to one utility. */
export function meg(model: TabularModel, behaviour: Behaviour, utility: Utility, options: MegOptions = {}): MegResult {
  const soft = resolveSoftOptions(options);
  const decisions = decisionCounts(model, behaviour, options);
  const { label, weights } = resolveUtility(model, utility);
  const fit = fitBeta(model, decisions.counts, weights, soft, { allowNegative: options.negativeBeta ?? true, range: options.betaRange });
  return result(model, decisions, label, weights, fit.beta, fit.value);
}

/** MEG with respect to each candidate objective, in spec order. */
export function megPerObjective(model: TabularModel, behaviour: Behaviour, options: MegOptions = {}): MegResult[] {
  const soft = resolveSoftOptions(options);
  const decisions = decisionCounts(model, behaviour, options);
  return model.objectives.map((name) => {
    const { weights } = resolveUtility(model, name);
    const fit = fitBeta(model, decisions.counts, weights, soft, { allowNegative: options.negativeBeta ?? true, range: options.betaRange });
    return result(model, decisions, name, weights, fit.beta, fit.value);
  });
}

/** MEG with respect to the best utility in the linear class w · φ over the candidate objectives. */
export function megBestLinear(model: TabularModel, behaviour: Behaviour, options: MegOptions = {}): MegResult {
  const soft = resolveSoftOptions(options);
  const decisions = decisionCounts(model, behaviour, options);
  const fit = fitWeights(model, decisions.counts, decisions.total, soft, { l2: options.l2 ?? 1e-6, maxIterations: 200, gradientTolerance: 1e-7 });
  const length = Math.hypot(...fit.theta);
  const direction = length > 0 ? fit.theta.map((t) => t / length) : fit.theta;
  return result(model, decisions, 'best linear', direction, length, fit.value);
}

// ---- the agent's decisions ----------------------------------------------------------------------

interface Decisions {
  /** Decisions per pair, on tried pairs only. */
  readonly counts: Float64Array;
  /** Their sum. */
  readonly total: number;
  /** Episodes they span (1 for a policy's per-episode occupancy). */
  readonly episodes: number;
  readonly unmodelled: number;
}

function decisionCounts(model: TabularModel, behaviour: Behaviour, options: MegOptions): Decisions {
  if ('policy' in behaviour) {
    const horizon = options.episodeHorizon ?? model.horizon;
    const { counts, decisions, unmodelled } = occupancy(model, behaviour.policy, horizon);
    return { counts, total: decisions, episodes: 1, unmodelled };
  }
  const given = demonstrationCounts(model, behaviour.demonstrations);
  const { counts, steps, skipped } = modelledCounts(model, given);
  return { counts, total: steps, episodes: given.episodes, unmodelled: skipped };
}

/**
 * Expected visits of each pair in one episode of `horizon` steps under `policy`, from the start
 * distribution, by the model's dynamics. Mass at pairs never tried, or at states where nothing was
 * tried, cannot be followed further: it is counted in `unmodelled`.
 */
export function occupancy(model: TabularModel, policy: Float64Array, horizon: number): { counts: Float64Array; decisions: number; unmodelled: number } {
  const S = model.stateCount;
  const A = model.actionCount;
  if (policy.length !== S * A) throw new UsageError(`A policy table needs states × actions = ${S} × ${A} entries; got ${policy.length}.`);
  if (!Number.isInteger(horizon) || horizon < 1) throw new UsageError(`The episode horizon must be an integer >= 1; got ${horizon}.`);
  const counts = new Float64Array(S * A);
  let here = Float64Array.from(model.start);
  let next = new Float64Array(S);
  let decisions = 0;
  let unmodelled = 0;
  for (let t = 0; t < horizon; t++) {
    next.fill(0);
    for (let s = 0; s < S; s++) {
      const mass = here[s];
      if (mass === 0) continue;
      if (model.triedCount[s] === 0) {
        unmodelled += mass;
        continue;
      }
      for (let a = 0; a < A; a++) {
        const sa = s * A + a;
        const x = mass * policy[sa];
        if (x === 0) continue;
        if (model.visits[sa] === 0) {
          unmodelled += x;
          continue;
        }
        counts[sa] += x;
        decisions += x;
        const end = model.edgeStart[sa + 1];
        for (let e = model.edgeStart[sa]; e < end; e++) next[model.edgeState[e]] += x * model.edgeProbability[e];
      }
    }
    [here, next] = [next, here];
  }
  return { counts, decisions, unmodelled };
}

function resolveUtility(model: TabularModel, utility: Utility): { label: string; weights: Float64Array } {
  if (typeof utility === 'string') {
    const j = model.objectives.indexOf(utility);
    if (j < 0) throw new UsageError(`Unknown objective "${utility}" of ${model.env}. Choices: ${model.objectives.join(', ')}.`);
    const weights = new Float64Array(model.objectives.length);
    weights[j] = 1;
    return { label: utility, weights };
  }
  return { label: 'weights', weights: weightVector(model, utility) };
}

function result(model: TabularModel, decisions: Decisions, label: string, weights: ArrayLike<number>, beta: number, value: number): MegResult {
  if (decisions.total === 0) throw new UsageError('MEG needs decisions the model can follow; none of the behaviour lies on pairs the model has tried.');
  const floor = uniformLogLikelihood(model, decisions.counts);
  // β = 0 is always a candidate, so the gain is ≥ 0 up to rounding
  const gain = Math.max(0, value - floor);
  return {
    utility: label,
    weights: namedWeights(model, weights),
    perStep: gain / decisions.total,
    perEpisode: gain / decisions.episodes,
    beta,
    maxPerStep: -floor / decisions.total,
    episodeLength: decisions.total / decisions.episodes,
    decisions: decisions.total,
    unmodelledShare: decisions.unmodelled / (decisions.total + decisions.unmodelled),
  };
}
