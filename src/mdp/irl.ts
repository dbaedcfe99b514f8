/**
 * Objective inference by maximum causal entropy inverse reinforcement learning (Ziebart 2010, PhD
 * thesis "Modeling Purposeful Adaptive Behavior with the Principle of Maximum Causal Entropy";
 * Ziebart, Bagnell & Dey 2010). The demonstrator is modelled as soft-optimal (soft.ts) for a reward
 * linear in the environment's declared candidate objectives, r(s, a) = θ · φ(s, a), and θ is fitted
 * by maximum likelihood (likelihood.ts: exact gradient, BFGS, optional L2 penalty).
 *
 * Because the candidates are named hypotheses, each is also scored alone: the demonstrations'
 * log-likelihood under the soft-optimal policy for that objective, with its rationality β fitted by
 * a 1-D search (β ≥ 0: the candidate pursued, from uniform to optimal). The ranking by that
 * likelihood lets a caller say "best explained by `brightest-light`, not `bucket`, by X nats"; the
 * ratio of two candidates' likelihoods is a likelihood-ratio statistic with one fitted parameter each.
 *
 * Decisions at pairs the model never tried are left out (the model cannot say what they would have
 * led to) and counted in `skippedSteps`; record demonstrations into the model's recorder to avoid any.
 */
import { UsageError } from '../core/errors.js';
import { demonstrationCounts, modelledCounts, type Demonstrations } from './demonstrations.js';
import { rewardScale, uniformLogLikelihood } from './likelihood.js';
import { fitBeta, fitWeights } from './search.js';
import { namedWeights, weightVector, type TabularModel } from './model.js';
import { resolveSoftOptions, type SoftOptions } from './soft.js';

export interface IrlOptions extends SoftOptions {
  /**
   * λ of the L2 penalty (λ/2)|θ|² on the per-step log-likelihood (default 1e-5: enough to keep θ
   * finite when the demonstrations are exactly optimal, little enough not to shrink a typical θ).
   */
  readonly l2?: number;
  /** Most BFGS iterations of the joint fit (default 200). */
  readonly maxIterations?: number;
  /** The joint fit stops once its per-step gradient is below this in every component (default 1e-5). */
  readonly gradientTolerance?: number;
}

/** One candidate objective as the whole explanation. */
export interface CandidateFit {
  readonly objective: string;
  /** The fitted rationality: 0 (no better than uniform), finite, or Infinity (exactly optimal). */
  readonly beta: number;
  /** Log-likelihood of the demonstrations (nats) at that β. */
  readonly logLikelihood: number;
  /** The same per demonstrated step. */
  readonly perStep: number;
}

export interface IrlResult {
  readonly env: string;
  /** Fitted reward weights θ by objective name (θ = β w: their length is the rationality). */
  readonly weights: Readonly<Record<string, number>>;
  /** Log-likelihood of the demonstrations under the fitted weights. */
  readonly logLikelihood: number;
  /** Log-likelihood under the uniform policy: the floor every explanation is measured from. */
  readonly uniformLogLikelihood: number;
  /** Every candidate alone, in spec order. */
  readonly candidates: readonly CandidateFit[];
  /** Candidate names by log-likelihood, best first (ties keep spec order). */
  readonly ranking: readonly string[];
  readonly best: string;
  /** Log-likelihood of the best candidate minus the runner-up's (nats; 0 with a single candidate). */
  readonly logLikelihoodRatio: number;
  /** Demonstrated steps the fit rests on, and those left out (at pairs the model never tried). */
  readonly steps: number;
  readonly skippedSteps: number;
  readonly episodes: number;
  /** BFGS iterations of the joint fit, and whether it met its gradient tolerance. */
  readonly iterations: number;
  readonly converged: boolean;
}

/** Fit θ and score every candidate objective on the demonstrations. */
export function inverseRL(model: TabularModel, demonstrations: Demonstrations, options: IrlOptions = {}): IrlResult {
  const soft = resolveSoftOptions(options);
  const l2 = options.l2 ?? 1e-5;
  const maxIterations = options.maxIterations ?? 200;
  const gradientTolerance = options.gradientTolerance ?? 1e-5;
  if (!(l2 >= 0)) throw new UsageError(`The L2 penalty l2 must be >= 0; got ${l2}.`);
  if (!Number.isInteger(maxIterations) || maxIterations < 0) throw new UsageError(`maxIterations must be an integer >= 0; got ${maxIterations}.`);
  const given = demonstrationCounts(model, demonstrations);
  const { counts, steps, skipped } = modelledCounts(model, given);
  if (steps === 0) {
    throw new UsageError(
      `None of the ${given.steps} demonstrated steps is at a pair the model has tried: record the demonstrations into the model's recorder, or collect more experience.`,
    );
  }
  const uniform = uniformLogLikelihood(model, counts);
  const k = model.objectives.length;
  const candidates: CandidateFit[] = model.objectives.map((objective, j) => {
    const fit = fitBeta(model, counts, unit(k, j), soft, { allowNegative: false });
    return { objective, beta: fit.beta, logLikelihood: fit.value, perStep: fit.value / steps };
  });
  const order = candidates.map((_, j) => j).sort((a, b) => candidates[b].logLikelihood - candidates[a].logLikelihood || a - b);
  const ranking = order.map((j) => candidates[j].objective);
  const best = candidates[order[0]];
  const ratio = order.length > 1 ? best.logLikelihood - candidates[order[1]].logLikelihood : 0;
  // the joint fit starts from the best candidate alone (capped where it is exactly optimal)
  const start = new Float64Array(k);
  if (best.beta > 0) start[order[0]] = Number.isFinite(best.beta) ? best.beta : 1e3 / rewardScale(model, unit(k, order[0]));
  const fit = fitWeights(model, counts, steps, soft, { l2, maxIterations, gradientTolerance, start });
  return {
    env: model.env,
    weights: namedWeights(model, fit.theta),
    logLikelihood: fit.value,
    uniformLogLikelihood: uniform,
    candidates,
    ranking,
    best: best.objective,
    logLikelihoodRatio: ratio,
    steps,
    skippedSteps: skipped,
    episodes: given.episodes,
    iterations: fit.iterations,
    converged: fit.converged,
  };
}

/**
 * Pearson correlation of two rewards w₁ · φ and w₂ · φ over the pairs where `counts` is positive
 * (each pair once): how well a recovered reward matches a true one where the demonstrator went.
 * NaN when either reward is constant there.
 */
export function rewardCorrelation(
  model: TabularModel,
  first: Readonly<Record<string, number>> | ArrayLike<number>,
  second: Readonly<Record<string, number>> | ArrayLike<number>,
  counts: Float64Array,
): number {
  const a = weightVector(model, first);
  const b = weightVector(model, second);
  const k = model.objectives.length;
  const xs: number[] = [];
  const ys: number[] = [];
  counts.forEach((c, sa) => {
    if (!(c > 0) || model.visits[sa] === 0) return;
    let x = 0;
    let y = 0;
    for (let j = 0; j < k; j++) {
      x += a[j] * model.features[sa * k + j];
      y += b[j] * model.features[sa * k + j];
    }
    xs.push(x);
    ys.push(y);
  });
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** The unit vector along objective j. */
function unit(k: number, j: number): Float64Array {
  const out = new Float64Array(k);
  out[j] = 1;
  return out;
}
