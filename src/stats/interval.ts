/** Means with 95% confidence intervals (Student's t), and proportions with 95% Wilson intervals, for summaries of seeded episodes. */

// Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101,
  2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t_{0.975, df}: exact table to 30, then the Cornish–Fisher expansion around 1.95996 (error < 1e-4). */
export function tQuantile975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T975[Math.floor(df) - 1];
  const z = 1.959964;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  return z + g1 / df + g2 / df ** 2;
}

export interface MeanInterval {
  readonly n: number;
  readonly mean: number;
  readonly sd: number;
  /** Half-width of the 95% interval: the interval is mean ± halfWidth (NaN for n < 2). */
  readonly halfWidth: number;
  readonly low: number;
  readonly high: number;
}

export function meanInterval(values: ArrayLike<number>): MeanInterval {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = n > 0 ? sum / n : NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
  const halfWidth = n > 1 ? tQuantile975(n - 1) * (sd / Math.sqrt(n)) : NaN;
  return { n, mean, sd, halfWidth, low: mean - halfWidth, high: mean + halfWidth };
}

/** A proportion with its 95% interval. */
export interface ProportionInterval {
  readonly successes: number;
  readonly n: number;
  /** successes / n (NaN when n = 0). */
  readonly rate: number;
  readonly low: number;
  readonly high: number;
}

/**
 * The Wilson score interval for a binomial proportion (Wilson 1927; method 3 of Newcombe 1998, eq. 3):
 * (p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n). Unlike the Wald interval it stays inside
 * [0, 1] and keeps its coverage at 0 or n successes, which evaluations hit often.
 */
export function wilsonInterval(successes: number, n: number, z = 1.959964): ProportionInterval {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`wilsonInterval needs integers 0 ≤ successes ≤ n; got ${successes} of ${n}`);
  }
  if (n === 0) return { successes, n, rate: NaN, low: NaN, high: NaN };
  const p = successes / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const scale = 1 + z2 / n;
  // At 0 or n successes the bound is exactly 0 or 1; the formula leaves a rounding residue there.
  const low = successes === 0 ? 0 : (centre - spread) / scale;
  const high = successes === n ? 1 : (centre + spread) / scale;
  return { successes, n, rate: p, low, high };
}
