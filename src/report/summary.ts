/**
 * What the report computes from its data before drawing: the order of agents and splits, learning
 * curves resampled onto a common grid of steps (seeds log at different steps), and the one-sentence
 * summary of each split ("night: ppo scored 2.7 on brightest-light and 0.3 on bucket (intended)").
 * All of it is per environment, since splits and objectives belong to one; only the agents' order
 * (and so their colours) is the study's.
 */
import type { Curve, CurvePoint, EnvironmentReport, Interval, ReportData, SplitResult } from './data.js';
import { formatNumber } from './svg.js';

/** Agents in order of first appearance (curves, then splits, heatmaps, replays). */
export function agentOrder(env: EnvironmentReport): string[] {
  return unique([...env.curves, ...env.splits, ...env.heatmaps, ...env.replays].map((r) => r.agent));
}

/** The study's agents, environment by environment: one order, so an agent has one colour on the whole page. */
export function studyAgentOrder(data: ReportData): string[] {
  return unique(data.environments.flatMap(agentOrder));
}

/** Splits in order of first appearance, with `train` first: the page reads from training to deployment. */
export function splitOrder(env: EnvironmentReport): string[] {
  const splits = unique([...env.splits, ...env.heatmaps, ...env.replays].map((r) => r.split));
  return splits.includes('train') ? ['train', ...splits.filter((s) => s !== 'train')] : splits;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** `night`, or `absent (unwatched)` where the result names its oversight. */
export function splitKey(result: Pick<SplitResult, 'split' | 'oversight'>): string {
  return result.oversight ? `${result.split} (${result.oversight})` : result.split;
}

/** The split results grouped by `splitKey`, in split order, then watched before unwatched. */
export function groupSplits(env: EnvironmentReport): Array<{ key: string; split: string; results: SplitResult[] }> {
  const order = splitOrder(env);
  const rank = (r: SplitResult): number => order.indexOf(r.split) * 3 + (r.oversight === undefined ? 0 : r.oversight === 'watched' ? 1 : 2);
  const sorted = [...env.splits].sort((a, b) => rank(a) - rank(b));
  const groups: Array<{ key: string; split: string; results: SplitResult[] }> = [];
  for (const result of sorted) {
    const key = splitKey(result);
    const group = groups.find((g) => g.key === key);
    if (group) group.results.push(result);
    else groups.push({ key, split: result.split, results: [result] });
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------------
// Learning curves

export type CurveMetric = 'return' | 'performance';

/** One agent's curves over its seeds on a common grid: the mean and the min–max band. */
export interface SeedBand {
  readonly steps: readonly number[];
  readonly mean: readonly number[];
  readonly low: readonly number[];
  readonly high: readonly number[];
}

export interface AgentCurves {
  readonly agent: string;
  readonly seeds: number;
  readonly return: SeedBand;
  readonly performance: SeedBand;
}

/** Most points a resampled curve gets: enough for a smooth line, few enough to keep the file small. */
export const GRID_POINTS = 64;

/**
 * The steps at which to compare seeds. Seeds that logged at the same steps keep them; otherwise an
 * even grid over the steps every seed covers (so each mean is over all seeds), or, where the seeds do
 * not overlap at all, over the whole range (curves then hold their end values outside their own).
 */
export function commonGrid(curves: readonly Curve[], maxPoints = GRID_POINTS): number[] {
  const runs = curves.map((c) => c.points).filter((p) => p.length > 0);
  if (runs.length === 0) return [];
  const first = runs[0].map((p) => p.steps);
  const same = runs.every((p) => p.length === first.length && p.every((q, i) => q.steps === first[i]));
  if (same && first.length <= maxPoints) return first;
  let lo = Math.max(...runs.map((p) => p[0].steps));
  let hi = Math.min(...runs.map((p) => p[p.length - 1].steps));
  if (!(lo < hi)) {
    lo = Math.min(...runs.map((p) => p[0].steps));
    hi = Math.max(...runs.map((p) => p[p.length - 1].steps));
  }
  if (lo === hi) return [lo];
  const n = Math.min(maxPoints, Math.max(2, ...runs.map((p) => p.length)));
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? hi : lo + ((hi - lo) * i) / (n - 1)));
}

/** A run's `metric` at `steps`, linearly interpolated between logged points and held flat beyond them. */
export function interpolate(points: readonly CurvePoint[], metric: CurveMetric, steps: number): number {
  if (points.length === 0) return NaN;
  if (steps <= points[0].steps) return points[0][metric];
  const last = points[points.length - 1];
  if (steps >= last.steps) return last[metric];
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid].steps <= steps) lo = mid;
    else hi = mid;
  }
  const a = points[lo];
  const b = points[hi];
  const f = b.steps === a.steps ? 0 : (steps - a.steps) / (b.steps - a.steps);
  return a[metric] + f * (b[metric] - a[metric]);
}

function seedBand(curves: readonly Curve[], grid: readonly number[], metric: CurveMetric): SeedBand {
  const mean: number[] = [];
  const low: number[] = [];
  const high: number[] = [];
  for (const steps of grid) {
    const values = curves.filter((c) => c.points.length > 0).map((c) => interpolate(c.points, metric, steps));
    mean.push(values.reduce((s, v) => s + v, 0) / values.length);
    low.push(Math.min(...values));
    high.push(Math.max(...values));
  }
  return { steps: grid, mean, low, high };
}

/** Each agent's curves over its seeds, resampled onto that agent's common grid. */
export function summariseCurves(env: EnvironmentReport): AgentCurves[] {
  const out: AgentCurves[] = [];
  for (const agent of agentOrder(env)) {
    const curves = env.curves.filter((c) => c.agent === agent && c.points.length > 0);
    if (curves.length === 0) continue;
    const sorted = curves.map((c) => ({ ...c, points: [...c.points].sort((a, b) => a.steps - b.steps) }));
    const grid = commonGrid(sorted);
    out.push({ agent, seeds: sorted.length, return: seedBand(sorted, grid, 'return'), performance: seedBand(sorted, grid, 'performance') });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Summary sentences

function meanOf(intervals: readonly Interval[]): number {
  const finite = intervals.filter((i) => Number.isFinite(i.mean));
  return finite.length === 0 ? NaN : finite.reduce((s, i) => s + i.mean, 0) / finite.length;
}

/**
 * One sentence for a split: the objective the agents scored most on, against the intended one (or,
 * where the intended one leads, against the best proxy), then return against hidden performance.
 * With several agents the scores are the mean over agents.
 */
export function splitSentence(env: EnvironmentReport, key: string, results: readonly SplitResult[]): string {
  const who = results.length === 1 ? results[0].agent : `agents (mean of ${results.length})`;
  const objectives = env.objectives
    .map((o, order) => ({ ...o, order, score: meanOf(results.flatMap((r) => (r.objectives[o.name] ? [r.objectives[o.name]] : []))) }))
    .filter((o) => Number.isFinite(o.score));
  const tail = `return ${formatNumber(meanOf(results.map((r) => r.return)))}, hidden performance ${formatNumber(meanOf(results.map((r) => r.performance)))}.`;
  if (objectives.length === 0) return `${key}: ${who} had ${tail}`;
  // Highest score first; ties go to the intended objective, then to the environment's order.
  const ranked = [...objectives].sort((a, b) => b.score - a.score || Number(b.intended) - Number(a.intended) || a.order - b.order);
  const top = ranked[0];
  const name = (o: { name: string; intended: boolean }): string => (o.intended ? `${o.name} (intended)` : o.name);
  const other = top.intended ? ranked.find((o) => !o.intended) : ranked.find((o) => o.intended);
  const scored = other
    ? `scored ${formatNumber(top.score)} on ${name(top)} and ${formatNumber(other.score)} on ${name(other)}`
    : `scored ${formatNumber(top.score)} on ${name(top)}`;
  const verdict = top.intended ? '' : top.score > (other?.score ?? -Infinity) ? ', pursuing a proxy' : '';
  return `${key}: ${who} ${scored}${verdict}; ${tail}`;
}

/** The summary paragraph of an environment: one sentence per split (and oversight), in split order. */
export function summarySentences(env: EnvironmentReport): string[] {
  return groupSplits(env).map((g) => splitSentence(env, g.key, g.results));
}
