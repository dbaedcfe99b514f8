/** Means with 95% confidence intervals (Student's t), for summaries of seeded episodes. */

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
