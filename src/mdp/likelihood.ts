/**
 * How well soft-optimal behaviour explains observed decisions: the log-likelihood
 *
 *   L(θ) = Σ_{s,a} c(s, a) log π_θ(a | s),
 *
 * where c counts decisions (demonstrated steps, or a policy's expected occupancy) and π_θ is the
 * soft-optimal policy (soft.ts) for the reward θ · φ at unit rationality (θ = β w: the rationality is
 * the length of θ). Inverse RL maximises it over θ (irl.ts), MEG over β along one direction (meg.ts);
 * search.ts does the maximising.
 *
 * Gradient. With Q_θ = θ · φ + γ P̂ V_θ and V_θ(s) = log mean_a exp Q_θ(s, a), the derivative of
 * log π_θ(a | s) is ψ(s, a) − Σ_a' π_θ(a' | s) ψ(s, a'), where ψ = ∂Q_θ/∂θ are the policy's discounted
 * successor features, ψ = φ + γ P̂ Π ψ. Rather than solve for ψ (one policy evaluation per
 * objective), the adjoint is propagated forwards once:
 *
 *   g(s, a) = c(s, a) − c(s) π_θ(a | s),   ρ = g + γ (P̂ Π)ᵀ ρ,   ∇L = Σ_{s,a} ρ(s, a) φ(s, a).
 *
 * When c are the counts of whole trajectories from the start distribution this is Ziebart's
 * "empirical minus expected feature counts" (Ziebart et al. 2008, 2010); the form above is exact for
 * any counts and for the discounted, stationary policy. Discounted, ρ is solved through the flow into
 * each state (a fixed point over states, not pairs, Anderson-accelerated); with a finite horizon H it
 * runs through the stored policies with H − 1 … 1 steps to go. Values and flows are solved to the
 * tolerance given, so the gradient is exact to about that precision.
 */
import { Anderson } from './anderson.js';
import { compactOf, hardSolve, softSolve, type SoftCore } from './bellman.js';
import type { ResolvedSoftOptions } from './soft.js';
import type { TabularModel } from './model.js';

export interface Likelihood {
  /** L(θ) in nats; −∞ where a counted decision has probability 0. */
  readonly value: number;
  /** ∇L(θ), in spec order; null when not asked for. */
  readonly gradient: Float64Array | null;
  readonly core: SoftCore;
}

/** L(θ) and, if asked, ∇L(θ). `counts` must be 0 on pairs never tried. */
export function logLikelihood(
  model: TabularModel,
  counts: Float64Array,
  theta: ArrayLike<number>,
  options: ResolvedSoftOptions,
  warm: Float64Array | null = null,
  withGradient = true,
): Likelihood {
  const A = model.actionCount;
  const k = model.objectives.length;
  const reward = new Float64Array(model.stateCount * A);
  for (const sa of model.pairs) {
    let r = 0;
    for (let j = 0; j < k; j++) r += theta[j] * model.features[sa * k + j];
    reward[sa] = r;
  }
  const core = softSolve(model, reward, options, warm, withGradient);
  let value = 0;
  for (const sa of model.pairs) {
    const c = counts[sa];
    if (c > 0) value += c * (core.q[sa] - core.logZ[(sa / A) | 0]);
  }
  return { value, gradient: withGradient ? gradientOf(model, counts, core, options) : null, core };
}

/** ∇L by the forward adjoint ρ = g + γ (P̂ Π)ᵀ ρ (see the header), over the compact pairs. */
function gradientOf(model: TabularModel, counts: Float64Array, core: SoftCore, options: ResolvedSoftOptions): Float64Array {
  const S = model.stateCount;
  const k = model.objectives.length;
  const { pairs, edgeState, edgeProbability } = model;
  const { active, stateStart, pairEdgeStart } = compactOf(model);
  const { gamma, horizon, maxSweeps } = options;
  const P = pairs.length;
  const n = active.length;
  // g = c − c(s) π: the decisions' surprise, per pair
  const g = new Float64Array(P);
  let firstMass = 0;
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let p = stateStart[i]; p < stateStart[i + 1]; p++) total += counts[pairs[p]];
    if (total === 0) continue;
    for (let p = stateStart[i]; p < stateStart[i + 1]; p++) {
      g[p] = counts[pairs[p]] - total * core.policy[pairs[p]];
      firstMass += Math.abs(g[p]);
    }
  }
  const inflow = new Float64Array(S);
  // out = base + γ Π P̂ᵀ term: out(s', a') = base(s', a') + γ π(a' | s') Σ_{s,a} P̂(s' | s, a) term(s, a)
  const propagate = (term: Float64Array, policy: Float64Array, base: Float64Array | null, out: Float64Array): void => {
    for (let p = 0; p < P; p++) {
      const t = term[p];
      if (t === 0) continue;
      for (let e = pairEdgeStart[p]; e < pairEdgeStart[p + 1]; e++) inflow[edgeState[e]] += edgeProbability[e] * t;
    }
    for (let i = 0; i < n; i++) {
      const s = active[i];
      const into = gamma * inflow[s];
      inflow[s] = 0;
      for (let p = stateStart[i]; p < stateStart[i + 1]; p++) out[p] = (base === null ? 0 : base[p]) + policy[pairs[p]] * into;
    }
    inflow.fill(0); // mass that flowed into states where nothing was tried goes no further
  };
  const rho = Float64Array.from(g);
  if (firstMass > 0 && horizon > 0) {
    // finite horizon: through the policies with H − 1 … 1 steps to go, ρ = Σ_h of each level's term
    let term = Float64Array.from(g);
    let next = new Float64Array(P);
    const levels = core.levels ?? [];
    for (let h = levels.length - 1; h >= 0; h--) {
      propagate(term, levels[h], null, next);
      for (let p = 0; p < P; p++) rho[p] += next[p];
      [term, next] = [next, term];
    }
  } else if (firstMass > 0) {
    // Discounted: ρ = g + γ π μ, where μ(s') = Σ_{s,a} P̂(s' | s, a) ρ(s, a) is the flow into each state.
    // μ is the fixed point of μ ← b + γ P̂_πᵀ μ with b = P̂ᵀ g, solved over the active states (far
    // fewer than the pairs) by Anderson-accelerated iteration.
    const { edgeTarget } = compactOf(model);
    const policy = core.policy;
    const b = new Float64Array(n);
    for (let p = 0; p < P; p++) {
      const t = g[p];
      if (t === 0) continue;
      for (let e = pairEdgeStart[p]; e < pairEdgeStart[p + 1]; e++) if (edgeTarget[e] >= 0) b[edgeTarget[e]] += edgeProbability[e] * t;
    }
    const mu = new Float64Array(n);
    const image = new Float64Array(n);
    const anderson = new Anderson(n);
    for (let sweep = 0; sweep < maxSweeps; sweep++) {
      image.set(b);
      for (let i = 0; i < n; i++) {
        const m = mu[i];
        if (m === 0) continue;
        for (let p = stateStart[i]; p < stateStart[i + 1]; p++) {
          const w = gamma * policy[pairs[p]] * m;
          for (let e = pairEdgeStart[p]; e < pairEdgeStart[p + 1]; e++) if (edgeTarget[e] >= 0) image[edgeTarget[e]] += edgeProbability[e] * w;
        }
      }
      let change = 0;
      for (let i = 0; i < n; i++) change += Math.abs(image[i] - mu[i]);
      if (change <= options.tolerance * firstMass) {
        mu.set(image);
        break;
      }
      anderson.step(mu, image);
    }
    for (let i = 0; i < n; i++) {
      for (let p = stateStart[i]; p < stateStart[i + 1]; p++) rho[p] += gamma * policy[pairs[p]] * mu[i];
    }
  }
  const gradient = new Float64Array(k);
  for (let p = 0; p < P; p++) {
    const r = rho[p];
    if (r === 0) continue;
    const sa = pairs[p];
    for (let j = 0; j < k; j++) gradient[j] += r * model.features[sa * k + j];
  }
  return gradient;
}

/** L at β = ∞ along `direction`: the optimal policy, ties shared; −∞ if a counted decision is not optimal. */
export function optimalLogLikelihood(model: TabularModel, counts: Float64Array, direction: ArrayLike<number>, options: ResolvedSoftOptions): number {
  const k = model.objectives.length;
  const reward = new Float64Array(model.visits.length);
  for (let sa = 0; sa < reward.length; sa++) {
    if (model.visits[sa] === 0) continue;
    for (let j = 0; j < k; j++) reward[sa] += direction[j] * model.features[sa * k + j];
  }
  const { probabilities } = hardSolve(model, reward, options);
  let value = 0;
  for (let sa = 0; sa < counts.length; sa++) if (counts[sa] > 0) value += counts[sa] * Math.log(probabilities[sa]);
  return value;
}

/** L at θ = 0: every counted decision at 1 / |A(s)|. */
export function uniformLogLikelihood(model: TabularModel, counts: Float64Array): number {
  const A = model.actionCount;
  let value = 0;
  for (let sa = 0; sa < counts.length; sa++) if (counts[sa] > 0) value -= counts[sa] * Math.log(model.triedCount[(sa / A) | 0]);
  return value;
}

/** The largest |w · φ(s, a)| over tried pairs: the reward's scale, which sets where β is searched. */
export function rewardScale(model: TabularModel, direction: ArrayLike<number>): number {
  const k = model.objectives.length;
  let scale = 0;
  for (let sa = 0; sa < model.visits.length; sa++) {
    if (model.visits[sa] === 0) continue;
    let r = 0;
    for (let j = 0; j < k; j++) r += direction[j] * model.features[sa * k + j];
    scale = Math.max(scale, Math.abs(r));
  }
  return scale;
}
