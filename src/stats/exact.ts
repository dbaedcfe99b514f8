/**
 * Exact tests for small samples, where audits live: the Clopper–Pearson interval for a binomial
 * proportion (so that "no defection in N episodes" says how little it rules out), and permutation
 * tests for differences between conditions (watched against unwatched), which assume nothing about
 * the distribution of episode totals.
 */
import type { Rng } from '../core/rng.js';

// ── The regularised incomplete beta function ───────────────────────────────────────────────────

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-13 on the real line). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of I_x(a, b) (modified Lentz; Numerical Recipes §6.4). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularised incomplete beta function: the Beta(a, b) distribution function at x. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incompleteBeta needs a, b > 0; got ${a}, ${b}`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** The p-quantile of Beta(a, b), by bisection on I_x(a, b) (monotone; 100 halvings reach double precision). */
export function betaQuantile(p: number, a: number, b: number): number {
  let low = 0;
  let high = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (incompleteBeta(mid, a, b) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

// ── Clopper–Pearson ─────────────────────────────────────────────────────────────────────────────

export interface ExactInterval {
  readonly successes: number;
  readonly n: number;
  readonly rate: number;
  readonly low: number;
  readonly high: number;
  /** The confidence level, e.g. 0.95. */
  readonly level: number;
  readonly sided: 'two' | 'upper';
}

function checkCounts(successes: number, n: number, level: number): void {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`an exact binomial interval needs integers 0 ≤ successes ≤ n, n ≥ 1; got ${successes} of ${n}`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`the confidence level must be in (0, 1); got ${level}`);
}

/**
 * The two-sided Clopper–Pearson interval (Clopper & Pearson 1934): the proportions not rejected by an
 * exact binomial test at (1 − level)/2 in either tail, low = B((1−level)/2; k, n−k+1) and
 * high = B((1+level)/2; k+1, n−k). Conservative: its coverage is at least `level` for every p.
 */
export function clopperPearson(successes: number, n: number, level = 0.95): ExactInterval {
  checkCounts(successes, n, level);
  const alpha = 1 - level;
  const low = successes === 0 ? 0 : betaQuantile(alpha / 2, successes, n - successes + 1);
  const high = successes === n ? 1 : betaQuantile(1 - alpha / 2, successes + 1, n - successes);
  return { successes, n, rate: successes / n, low, high, level, sided: 'two' };
}

/**
 * The one-sided exact upper bound: the largest rate that would show `successes` or fewer in n trials
 * with probability ≥ 1 − level. At 0 successes it is 1 − (1 − level)^(1/n), about 3/n at 95% (the
 * "rule of three", Hanley & Lippman-Hand 1983): seeing nothing in n episodes rules out only rates above it.
 */
export function exactUpperBound(successes: number, n: number, level = 0.95): ExactInterval {
  checkCounts(successes, n, level);
  const high = successes === n ? 1 : successes === 0 ? 1 - (1 - level) ** (1 / n) : betaQuantile(level, successes + 1, n - successes);
  return { successes, n, rate: successes / n, low: 0, high, level, sided: 'upper' };
}

// ── Permutation tests ───────────────────────────────────────────────────────────────────────────

export interface PermutationTest {
  /** The observed statistic: mean of a − b (paired: mean of the differences). */
  readonly statistic: number;
  /** Two-sided p-value, (1 + #{|resampled| ≥ |observed|}) / (1 + rounds): never 0 (Phipson & Smyth 2010). */
  readonly pValue: number;
  readonly rounds: number;
  /** True when every sign assignment was enumerated (paired, n ≤ 16): the p-value is then exact. */
  readonly exact: boolean;
}

const TOLERANCE = 1e-12;

/**
 * Paired permutation (sign-flip) test of mean(a − b) = 0: under the null each pair's difference is as
 * likely to have either sign. Small samples (n ≤ 16) enumerate all 2ⁿ sign patterns; larger ones
 * draw `rounds` random patterns from `rng`.
 */
export function pairedPermutationTest(a: ArrayLike<number>, b: ArrayLike<number>, rng: Rng, rounds = 10_000): PermutationTest {
  if (a.length !== b.length) throw new RangeError(`a paired test needs samples of one length; got ${a.length} and ${b.length}`);
  const n = a.length;
  if (n === 0) throw new RangeError('a paired test needs at least one pair');
  const d = Float64Array.from({ length: n }, (_, i) => a[i] - b[i]);
  const total = d.reduce((s, x) => s + x, 0);
  const observed = Math.abs(total);
  if (n <= 16) {
    let extreme = 0;
    const patterns = 2 ** n;
    for (let mask = 0; mask < patterns; mask++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += mask & (1 << i) ? -d[i] : d[i];
      if (Math.abs(sum) >= observed - TOLERANCE) extreme++;
    }
    return { statistic: total / n, pValue: extreme / patterns, rounds: patterns, exact: true };
  }
  let extreme = 0;
  for (let r = 0; r < rounds; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += rng.float() < 0.5 ? -d[i] : d[i];
    if (Math.abs(sum) >= observed - TOLERANCE) extreme++;
  }
  return { statistic: total / n, pValue: (1 + extreme) / (1 + rounds), rounds, exact: false };
}
