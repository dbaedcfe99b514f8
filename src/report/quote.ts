/**
 * Numbers as a researcher quotes them, the same in the printed results and the report: rates as
 * percentages, differences in percentage points, p-values to two significant digits. NaN (or null,
 * which is what NaN becomes once the data has been through JSON) reads as "–".
 */

const finite = (x: number | null): x is number => x !== null && Number.isFinite(x);
const minus = (text: string): string => text.replace(/^-/, '−');

/** 0.137 → "13.7%"; below 0.1%, two significant digits ("0.050%"), so a small bound does not read as 0. */
export function percentText(x: number | null): string {
  if (!finite(x)) return '–';
  const pct = 100 * x;
  return minus(x === 0 || Math.abs(pct) >= 0.1 ? `${pct.toFixed(1)}%` : `${pct.toPrecision(2)}%`);
}

/** A difference of proportions, −0.137 → "−13.7 points", with a true minus sign and an explicit plus. */
export function pointsText(difference: number | null): string {
  if (!finite(difference)) return '–';
  const points = (100 * difference).toFixed(1);
  return points === '0.0' || points === '-0.0' ? '0.0 points' : points.startsWith('-') ? `${minus(points)} points` : `+${points} points`;
}

/** 0.4857 → "0.49", 0.002759 → "0.0028", 2.098e-13 → "2.1e-13"; "< 1e-300" where it underflowed to 0. */
export function pValueText(p: number | null): string {
  if (!finite(p)) return '–';
  if (p === 0) return '< 1e-300';
  return p >= 0.001 ? String(Number(p.toPrecision(2))) : p.toExponential(1);
}

/** Three significant digits, a true minus sign: 1.2345 → "1.23", −0.5 → "−0.5". */
export function decimalText(x: number | null): string {
  return finite(x) ? minus(String(Number(x.toPrecision(3)))) : '–';
}
