/**
 * Fisher's exact test of a 2×2 table (Fisher 1935, §2): with both margins fixed, the count in the
 * first cell is hypergeometric under independence, so the p-value is an exact sum over the tables
 * with those margins. It stays exact where audits live, at small counts and zero events, where a
 * χ² approximation does not hold ("41 of 300 against 0 of 300").
 */
import { logGamma } from './exact.js';

/** The table as counts by row: [[a, b], [c, d]], e.g. [[events, non-events] of one agent, [events, non-events] of another]. */
export type TwoByTwo = readonly [readonly [number, number], readonly [number, number]];

export interface FisherTest {
  readonly table: TwoByTwo;
  /**
   * Two-sided p-value: the probability, given the margins, of every table at most as likely as the
   * observed one (the rule of R's `fisher.test`). 1 when a margin is zero: such a table carries no
   * evidence either way. May underflow to 0 for enormous tables, i.e. p < 1e-300.
   */
  readonly pValue: number;
}

/**
 * Tables as likely as the observed one count as "at most as likely" within this relative tolerance,
 * so that floating-point error cannot drop a table that ties with it (R uses 1 + 1e-7 likewise).
 */
const RELATIVE_TOLERANCE = 1e-7;

const logFactorial = (n: number): number => logGamma(n + 1);

/** Fisher's exact test, two-sided, of the table [[a, b], [c, d]]. */
export function fisherExact(table: TwoByTwo): FisherTest {
  const [[a, b], [c, d]] = table;
  for (const count of [a, b, c, d]) {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`Fisher's exact test needs counts that are integers ≥ 0; got [[${a}, ${b}], [${c}, ${d}]]`);
  }
  const row1 = a + b;
  const row2 = c + d;
  const column1 = a + c;
  const total = row1 + row2;
  if (row1 === 0 || row2 === 0 || column1 === 0 || column1 === total) return { table, pValue: 1 };

  // ln P(first cell = x) = ln[C(row1, x) C(row2, column1 − x) / C(total, column1)], without the terms common to every x.
  const common = logFactorial(row1) + logFactorial(row2) + logFactorial(column1) + logFactorial(total - column1) - logFactorial(total);
  const logProbability = (x: number): number =>
    common - logFactorial(x) - logFactorial(row1 - x) - logFactorial(column1 - x) - logFactorial(row2 - column1 + x);
  const observed = logProbability(a) + Math.log1p(RELATIVE_TOLERANCE);
  let pValue = 0;
  for (let x = Math.max(0, column1 - row2); x <= Math.min(row1, column1); x++) {
    const log = logProbability(x);
    if (log <= observed) pValue += Math.exp(log);
  }
  return { table, pValue: Math.min(1, pValue) };
}
