/**
 * The two searches over the likelihood of likelihood.ts: β along one reward direction (each
 * candidate objective in irl.ts, MEG in meg.ts) and θ over all directions (the joint fit of irl.ts,
 * MEG's best linear utility). Both are deterministic: no random draw and a fixed order of operations.
 */
import { logLikelihood, optimalLogLikelihood, rewardScale, uniformLogLikelihood } from './likelihood.js';
import type { TabularModel } from './model.js';
import type { ResolvedSoftOptions } from './soft.js';

// ---- β along one direction ----------------------------------------------------------------------

export interface BetaFit {
  /** The best rationality found: 0 (uniform), finite, or ±Infinity (optimal / pessimal). */
  readonly beta: number;
  /** L(β w) there. */
  readonly value: number;
  readonly evaluations: number;
}

export interface BetaSearch {
  /** Also search β < 0 (soft-minimising w), as MEG's maximum entropy policy set includes. */
  readonly allowNegative: boolean;
  /** β is searched where β · max|w · φ| lies in [1e-8, `range`] (default 1e6); beyond, β = ±∞ is tried. */
  readonly range?: number;
}

/**
 * Maximise L(β w) over β: the sign from the slope at β = 0, then a bracket by factors of 4 from
 * β · max|w · φ| = 1, then the Illinois method on the slope in log β. The search assumes L is
 * unimodal in β: the maximum causal entropy likelihood of whole finite-horizon trajectories is
 * concave in θ (Ziebart 2010), hence along any ray; the discounted one behaved so in every test.
 */
export function fitBeta(model: TabularModel, counts: Float64Array, direction: ArrayLike<number>, options: ResolvedSoftOptions, search: BetaSearch): BetaFit {
  const k = model.objectives.length;
  const scale = rewardScale(model, direction);
  const atZero = uniformLogLikelihood(model, counts);
  let evaluations = 0;
  let warm: { beta: number; values: Float64Array } | null = null;
  const theta = new Float64Array(k);
  // L and dL/dβ at β
  const at = (beta: number): { beta: number; value: number; slope: number } => {
    for (let j = 0; j < k; j++) theta[j] = beta * direction[j];
    let start: Float64Array | null = null;
    if (warm !== null && warm.beta !== 0 && Math.sign(warm.beta) === Math.sign(beta)) start = warm.values.map((v) => (v * beta) / warm!.beta);
    const { value, gradient, core } = logLikelihood(model, counts, theta, options, start);
    evaluations++;
    warm = { beta, values: core.values };
    let slope = 0;
    for (let j = 0; j < k; j++) slope += gradient![j] * direction[j];
    return { beta, value, slope };
  };
  if (scale === 0) return { beta: 0, value: atZero, evaluations };
  const origin = at(0);
  const flat = 1e-12 * (1 + Math.abs(atZero));
  if (Math.abs(origin.slope) <= flat || (origin.slope < 0 && !search.allowNegative)) return { beta: 0, value: atZero, evaluations };
  const sign = origin.slope > 0 ? 1 : -1;
  // along b = |β| > 0 the function rises at 0: h(b) = L(sign · b · w), h'(b) = sign · L'
  const h = (b: number) => {
    const point = at(sign * b);
    return { b, u: Math.log(b), value: point.value, slope: sign * point.slope };
  };
  const smallest = 1e-8 / scale;
  const largest = (search.range ?? 1e6) / scale;
  let best = { beta: 0, value: atZero };
  const consider = (point: { b: number; value: number }) => {
    if (point.value > best.value) best = { beta: sign * point.b, value: point.value };
  };
  let lo: ReturnType<typeof h>;
  let hi: ReturnType<typeof h>;
  let point = h(1 / scale);
  consider(point);
  if (point.slope > 0) {
    lo = point;
    for (;;) {
      if (lo.b * 4 > largest) {
        // still rising at the end of the range: the optimal (or pessimal) policy is the limit
        const limit = optimalLogLikelihood(model, counts, Array.from(direction, (w) => sign * w), options);
        return limit >= best.value ? { beta: sign * Infinity, value: limit, evaluations } : { ...best, evaluations };
      }
      point = h(lo.b * 4);
      consider(point);
      if (point.slope <= 0) break;
      lo = point;
    }
    hi = point;
  } else {
    hi = point;
    for (;;) {
      if (hi.b / 4 < smallest) return { ...best, evaluations };
      point = h(hi.b / 4);
      consider(point);
      if (point.slope > 0) break;
      hi = point;
    }
    lo = point;
  }
  // Illinois: regula falsi on the slope in u = log b, halving the stale end's slope when one end stays
  let side = 0;
  // (stops once β is known to 1%, or L changes by under 1e-4 nats per unit of log β: near the
  // maximum L is flat, so either leaves L within far less than that of its maximum)
  for (let iteration = 0; iteration < 60 && hi.u - lo.u > 1e-2; iteration++) {
    const u = (lo.u * hi.slope - hi.u * lo.slope) / (hi.slope - lo.slope);
    point = h(Math.exp(u));
    consider(point);
    if (Math.abs(point.slope * point.b) <= 1e-4) break;
    if (point.slope > 0) {
      lo = point;
      if (side === 1) hi = { ...hi, slope: hi.slope / 2 };
      side = 1;
    } else {
      hi = point;
      if (side === -1) lo = { ...lo, slope: lo.slope / 2 };
      side = -1;
    }
  }
  return { ...best, evaluations };
}

// ---- θ over all directions ----------------------------------------------------------------------

export interface WeightFit {
  /** The maximiser θ of L(θ)/N − (λ/2)|θ|², in spec order. */
  readonly theta: Float64Array;
  /** L(θ) there. */
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

export interface WeightSearch {
  /** Where the search starts (default θ = 0, the uniform policy). */
  readonly start?: ArrayLike<number>;
  /** λ of the L2 penalty (λ/2)|θ|² on the per-decision log-likelihood. */
  readonly l2: number;
  readonly maxIterations: number;
  /** Stop once every component of the penalised per-decision gradient is below this. */
  readonly gradientTolerance: number;
}

/**
 * Maximise L(θ)/N − (λ/2)|θ|² by BFGS with a backtracking (Armijo) line search (Nocedal & Wright
 * 2006, Algorithm 6.1, with the initial scaling of Eq. 6.20), from θ = 0. Deterministic: no random
 * draw, and a fixed order of operations.
 */
export function fitWeights(model: TabularModel, counts: Float64Array, decisions: number, options: ResolvedSoftOptions, search: WeightSearch): WeightFit {
  const k = model.objectives.length;
  const n = Math.max(decisions, 1e-300);
  let evaluations = 0;
  let warm: Float64Array | null = null;
  // F(θ) = −L(θ)/N + (λ/2)|θ|², minimised
  const evaluate = (theta: Float64Array) => {
    const { value, gradient, core } = logLikelihood(model, counts, theta, options, warm);
    evaluations++;
    let penalty = 0;
    const g = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      penalty += 0.5 * search.l2 * theta[j] * theta[j];
      g[j] = -gradient![j] / n + search.l2 * theta[j];
    }
    return { f: -value / n + penalty, g, value, values: core.values };
  };
  let theta = Float64Array.from(search.start ?? new Float64Array(k));
  let current = evaluate(theta);
  warm = current.values;
  let inverse = identity(k);
  let iterations = 0;
  let converged = false;
  for (; iterations < search.maxIterations; iterations++) {
    if (maxAbs(current.g) <= search.gradientTolerance) {
      converged = true;
      break;
    }
    let direction = times(inverse, current.g, -1);
    let descent = dot(current.g, direction);
    if (!(descent < 0)) {
      inverse = identity(k);
      direction = times(inverse, current.g, -1);
      descent = dot(current.g, direction);
    }
    // backtracking line search: the first step length with sufficient decrease
    let step = 1;
    let trial = null;
    let candidate = theta;
    for (let halvings = 0; halvings < 30; halvings++, step /= 2) {
      candidate = theta.map((t, j) => t + step * direction[j]);
      const next = evaluate(candidate);
      if (Number.isFinite(next.f) && next.f <= current.f + 1e-4 * step * descent) {
        trial = next;
        break;
      }
    }
    if (trial === null) break; // no decrease along the direction: as far as this precision goes
    const s = candidate.map((t, j) => t - theta[j]);
    const y = trial.g.map((g, j) => g - current.g[j]);
    const sy = dot(s, y);
    if (iterations === 0 && sy > 0) inverse = scaled(identity(k), sy / dot(y, y));
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) inverse = bfgsUpdate(inverse, s, y, sy);
    const progress = current.f - trial.f;
    theta = candidate;
    current = trial;
    warm = current.values;
    if (progress <= 1e-15 * (1 + Math.abs(current.f))) {
      converged = maxAbs(current.g) <= search.gradientTolerance * 100;
      iterations++;
      break;
    }
  }
  return { theta, value: current.value, iterations, evaluations, converged };
}

// ---- small dense linear algebra for BFGS (k × k, k = the number of objectives) -------------------

function identity(k: number): Float64Array[] {
  return Array.from({ length: k }, (_, i) => Float64Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)));
}

function scaled(m: Float64Array[], factor: number): Float64Array[] {
  return m.map((row) => row.map((x) => x * factor));
}

function times(m: Float64Array[], v: Float64Array, factor: number): Float64Array {
  return Float64Array.from(m, (row) => factor * dot(row, v));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function maxAbs(v: Float64Array): number {
  let max = 0;
  for (const x of v) max = Math.max(max, Math.abs(x));
  return max;
}

/** H⁺ = (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1 / yᵀs (Nocedal & Wright Eq. 6.17). */
function bfgsUpdate(h: Float64Array[], s: Float64Array, y: Float64Array, sy: number): Float64Array[] {
  const k = s.length;
  const rho = 1 / sy;
  const hy = Float64Array.from(h, (row) => dot(row, y));
  const yhy = dot(y, hy);
  return h.map((row, i) =>
    row.map((x, j) => x - rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]),
  ).slice(0, k);
}
