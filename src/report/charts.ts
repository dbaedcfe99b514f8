/**
 * The report's figures, each one SVG built from `svg.ts`: learning curves, the objectives each split
 * rewarded, the gap between reward and hidden performance, and visit heatmaps. Every series carries
 * its name in text (an end label, a value, a legend) and a dash or marker shape besides its colour,
 * and a `data-*` attribute that tests and readers can select on.
 */
import type { EnvironmentReport, Heatmap, Interval, SplitResult } from './data.js';
import { boardColours, categoryColour, categoryDash, luminance, textColourOn, viridis } from './palette.js';
import type { AgentCurves, CurveMetric } from './summary.js';
import {
  attrs,
  axisBottom,
  axisLeft,
  band,
  BandScale,
  colourBar,
  formatNumber,
  formatSi,
  formatTick,
  horizontalWhisker,
  legend,
  line,
  LinearScale,
  marker,
  niceExtent,
  polyline,
  rect,
  rectWithTitle,
  svgDocument,
  text,
  textWidth,
  whisker,
  type LegendItem,
  type Plot,
} from './svg.js';

const INK = '#222222';
const MUTED = '#666666';

/** Spread labels at `ys` at least `gap` apart, keeping their order (for end-of-line labels). */
export function dodge(ys: readonly number[], gap: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y || a.i - b.i);
  const placed = order.map((o) => o.y);
  for (let k = 1; k < placed.length; k++) placed[k] = Math.max(placed[k], placed[k - 1] + gap);
  const out = new Array<number>(ys.length);
  order.forEach((o, k) => (out[o.i] = placed[k]));
  return out;
}

function finite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v));
}

// ---------------------------------------------------------------------------------------------------
// Learning curves

const METRIC_TITLES: Readonly<Record<CurveMetric, string>> = {
  return: 'Return (the reward the agent is trained on)',
  performance: 'Hidden performance (the intended objective)',
};

/**
 * One metric against training steps: per agent the mean over seeds as a line and the min–max over
 * seeds as a band. `agentIndex` fixes each agent's colour and dash across every figure.
 */
export function learningCurveChart(curves: readonly AgentCurves[], metric: CurveMetric, agentIndex: (agent: string) => number): string {
  const width = 600;
  const plot: Plot = { x: 64, y: 16, width: 430, height: 230 };
  const allSteps = curves.flatMap((c) => c[metric].steps);
  const allValues = finite(curves.flatMap((c) => [...c[metric].low, ...c[metric].high]));
  const xs = niceExtent(Math.min(0, ...allSteps), Math.max(1, ...allSteps), 5);
  const ys = niceExtent(Math.min(0, ...allValues), Math.max(...allValues, 0), 5);
  const x = new LinearScale(xs.domain, [plot.x, plot.x + plot.width]);
  const y = new LinearScale(ys.domain, [plot.y + plot.height, plot.y]);
  let body = axisLeft(plot, y, { ticks: ys.ticks, format: (v) => formatTick(v, ys.step), label: metric === 'return' ? 'return' : 'performance', grid: true });
  body += axisBottom(plot, x, { ticks: xs.ticks, format: (v) => formatTick(v, xs.step), label: 'training steps' });
  const ends: number[] = [];
  for (const c of curves) {
    const k = agentIndex(c.agent);
    const s = c[metric];
    const px = s.steps.map((v) => x.map(v));
    let series = `<g${attrs({ 'data-series': c.agent, 'data-metric': metric })}>`;
    if (c.seeds > 1) series += band(px, s.low.map((v) => y.map(v)), s.high.map((v) => y.map(v)), { fill: categoryColour(k), 'fill-opacity': '0.18', 'data-band': c.agent });
    series += polyline(
      px.map((v, i) => [v, y.map(s.mean[i])] as const),
      { stroke: categoryColour(k), 'stroke-width': 2.5, 'stroke-dasharray': categoryDash(k), 'stroke-linejoin': 'round', 'data-line': c.agent },
    );
    body += `${series}</g>`;
    ends.push(y.map(s.mean[s.mean.length - 1]));
  }
  // Each line is named at its end, so the colour is never the only way to tell agents apart.
  const labelYs = dodge(ends, 14);
  curves.forEach((c, i) => {
    const s = c[metric];
    const lastX = x.map(s.steps[s.steps.length - 1]);
    body += text(lastX + 6, labelYs[i] + 4, `${c.agent} (${formatNumber(s.mean[s.mean.length - 1])})`, { 'font-size': 12, fill: INK });
  });
  const items: LegendItem[] = curves.map((c) => ({ label: `${c.agent}: mean of ${c.seeds} seed${c.seeds === 1 ? '' : 's'}`, colour: categoryColour(agentIndex(c.agent)), swatch: 'line', dash: categoryDash(agentIndex(c.agent)) }));
  if (curves.some((c) => c.seeds > 1)) items.push({ label: 'band: min–max over seeds', colour: '#bbbbbb', swatch: 'box' });
  const legendBox = legend(items, plot.x, plot.y + plot.height + 46, width - plot.x - 10);
  body += legendBox.markup;
  const height = plot.y + plot.height + 46 + legendBox.height + 6;
  return svgDocument(width, height, METRIC_TITLES[metric], body, { 'data-chart': `curves-${metric}` });
}

// ---------------------------------------------------------------------------------------------------
// Objectives per split

/**
 * Grouped bars for one split: a group per candidate objective, a bar per agent at its mean, whiskers
 * at the 95% interval, the mean printed above each bar. The intended objective's group is shaded and
 * labelled "intended".
 */
export function objectiveBarChart(env: EnvironmentReport, key: string, results: readonly SplitResult[], agentIndex: (agent: string) => number): string {
  const objectives = env.objectives;
  const agents = results.map((r) => r.agent);
  const groupWidth = Math.max(96, agents.length * 30 + 36, ...objectives.map((o) => textWidth(o.name) + 14));
  const plot: Plot = { x: 60, y: 22, width: groupWidth * objectives.length, height: 190 };
  const intervals = results.flatMap((r) => objectives.flatMap((o) => (r.objectives[o.name] ? [r.objectives[o.name]] : [])));
  const extent = niceExtent(Math.min(0, ...finite(intervals.flatMap((i) => [i.mean, i.low]))), Math.max(0, ...finite(intervals.flatMap((i) => [i.mean, i.high]))), 5);
  const y = new LinearScale(extent.domain, [plot.y + plot.height, plot.y]);
  const groups = new BandScale(objectives.length, [plot.x, plot.x + plot.width], 0.15);
  let body = '';
  objectives.forEach((o, g) => {
    if (o.intended) body += rect(groups.start(g) - 4, plot.y - 18, groups.bandwidth + 8, plot.height + 18, { fill: '#f3efe0', 'data-intended': o.name });
  });
  body += axisLeft(plot, y, { ticks: extent.ticks, format: (v) => formatTick(v, extent.step), label: 'episode total', grid: true });
  const zero = y.map(0);
  objectives.forEach((o, g) => {
    const bars = new BandScale(agents.length, [groups.start(g), groups.start(g) + groups.bandwidth], 0.2);
    results.forEach((r, a) => {
      const interval = r.objectives[o.name];
      if (!interval) return;
      const k = agentIndex(r.agent);
      const top = y.map(interval.mean);
      const bx = bars.start(a);
      body += rect(bx, Math.min(top, zero), bars.bandwidth, Math.abs(zero - top), {
        fill: categoryColour(k),
        stroke: INK,
        'stroke-width': 0.6,
        'data-bar': `${r.agent}:${o.name}`,
      });
      const cx = bars.centre(a);
      body += whisker(cx, y.map(interval.low), y.map(interval.high), Math.min(12, bars.bandwidth * 0.6), { stroke: INK, 'stroke-width': 1.4 });
      const above = Math.min(top, Number.isFinite(interval.high) ? y.map(interval.high) : top, zero) - 4;
      body += text(cx, above, formatNumber(interval.mean), { 'text-anchor': 'middle', 'font-size': 11, fill: INK });
    });
    const cx = groups.centre(g);
    body += text(cx, plot.y + plot.height + 18, o.name, { 'text-anchor': 'middle', 'font-size': 12, fill: INK, 'font-weight': o.intended ? 'bold' : undefined });
    if (o.intended) body += text(cx, plot.y + plot.height + 33, '★ intended', { 'text-anchor': 'middle', 'font-size': 11, fill: MUTED });
  });
  body += line(plot.x, zero, plot.x + plot.width, zero, { stroke: '#333333' });
  const width = plot.x + plot.width + 12;
  const items: LegendItem[] = agents.map((a) => ({ label: a, colour: categoryColour(agentIndex(a)), swatch: 'box' }));
  items.push({ label: 'whiskers: 95% interval', colour: '#ffffff', swatch: 'box' });
  const legendBox = legend(items, plot.x, plot.y + plot.height + 42, width - plot.x);
  body += legendBox.markup;
  const height = plot.y + plot.height + 42 + legendBox.height + 4;
  return svgDocument(width, height, `${key}: candidate objectives of ${env.name}, mean and 95% interval`, body, { 'data-chart': 'objectives', 'data-split': key });
}

// ---------------------------------------------------------------------------------------------------
// Reward against hidden performance

/**
 * A row per split and agent: the return (circle) and the hidden performance (diamond) on one axis,
 * each with its 95% interval, joined by a line, with the gap (return − performance) printed beside.
 * A wide gap is where the reward stopped measuring what the designer wanted.
 */
export function gapChart(groups: ReadonlyArray<{ key: string; results: readonly SplitResult[] }>): string {
  const rows = groups.flatMap((g) => g.results.map((r) => ({ key: g.key, result: r })));
  const labelWidth = Math.max(90, ...rows.map((r) => textWidth(`${r.key} · ${r.result.agent}`) + 16));
  const rowHeight = 30;
  const plot: Plot = { x: labelWidth, y: 12, width: 440, height: rows.length * rowHeight };
  const values = finite(rows.flatMap(({ result }) => [result.return, result.performance].flatMap((i: Interval) => [i.mean, i.low, i.high])));
  const extent = niceExtent(Math.min(0, ...values), Math.max(0, ...values), 6);
  const x = new LinearScale(extent.domain, [plot.x, plot.x + plot.width]);
  const returnColour = categoryColour(3);
  const performanceColour = categoryColour(4);
  let body = axisBottom(plot, x, { ticks: extent.ticks, format: (v) => formatTick(v, extent.step), label: 'episode total', grid: true });
  rows.forEach(({ key, result }, i) => {
    const cy = plot.y + i * rowHeight + rowHeight / 2;
    const r = result.return;
    const p = result.performance;
    let row = `<g${attrs({ 'data-gap': `${key}:${result.agent}` })}>`;
    row += text(plot.x - 10, cy + 4, `${key} · ${result.agent}`, { 'text-anchor': 'end', 'font-size': 12, fill: INK });
    // Return on the upper track, performance on the lower, so equal values do not hide each other.
    row += line(x.map(r.mean), cy - 5, x.map(p.mean), cy + 5, { stroke: '#999999', 'stroke-width': 2 });
    row += horizontalWhisker(cy - 5, x.map(r.low), x.map(r.high), 6, { stroke: returnColour, 'stroke-width': 1.4 });
    row += horizontalWhisker(cy + 5, x.map(p.low), x.map(p.high), 6, { stroke: performanceColour, 'stroke-width': 1.4 });
    row += marker('circle', x.map(r.mean), cy - 5, 10, { fill: returnColour, stroke: INK, 'stroke-width': 0.8 });
    row += marker('diamond', x.map(p.mean), cy + 5, 9, { fill: performanceColour, stroke: INK, 'stroke-width': 0.8 });
    const gap = r.mean - p.mean;
    row += text(plot.x + plot.width + 10, cy + 4, `gap ${gap > 0 ? '+' : ''}${formatNumber(gap)}`, { 'font-size': 12, fill: INK, 'font-weight': Math.abs(gap) > 1e-9 ? 'bold' : undefined });
    body += `${row}</g>`;
  });
  const width = plot.x + plot.width + 90;
  const legendBox = legend(
    [
      { label: 'return (reward)', colour: returnColour, swatch: 'circle' },
      { label: 'hidden performance', colour: performanceColour, swatch: 'diamond' },
      { label: 'whiskers: 95% interval', colour: '#ffffff', swatch: 'box' },
    ],
    plot.x,
    plot.y + plot.height + 42,
    width - plot.x,
  );
  body += legendBox.markup;
  return svgDocument(width, plot.y + plot.height + 42 + legendBox.height + 4, 'Return against hidden performance per split', body, { 'data-chart': 'gap' });
}

// ---------------------------------------------------------------------------------------------------
// Heatmaps

/** Counts to [0, 1] on a log scale: the start cell is visited every episode and would wash out the rest. */
export function heatLevel(count: number, max: number): number {
  return max > 0 && count > 0 ? Math.log1p(count) / Math.log1p(max) : 0;
}

/** Colour-bar ticks at 0, 1, 10, 100 … and the maximum, thinned so labels do not collide. */
export function heatTicks(max: number): Array<{ t: number; label: string }> {
  if (!(max > 0)) return [{ t: 0, label: '0' }];
  const values = [0];
  for (let v = 1; v < max; v *= 10) values.push(v);
  const ticks = values.map((v) => ({ t: heatLevel(v, max), label: formatSi(v) }));
  const last = { t: 1, label: formatSi(max) };
  return [...ticks.filter((t) => last.t - t.t >= 0.14), last];
}

/**
 * The level under a heatmap in greys: dark cells (walls) stay dark, the rest pale, so that the only
 * colours on the map are visits and a yellow light is never read as a busy cell.
 */
function neutral(colour: string): string {
  return luminance(colour) < 0.18 ? '#5e5e5e' : '#efefef';
}

/**
 * Where one agent went on one split: the level in greys with each character in its cell, the
 * visited cells coloured in viridis by visit count (log scale), and a colour bar below.
 */
export function heatmapChart(heatmap: Heatmap, legendEntries: EnvironmentReport['legend']): string {
  const { width, height } = heatmap;
  const cell = Math.max(16, Math.min(30, Math.floor(260 / Math.max(1, width, height))));
  const left = 8;
  const top = 8;
  const colours = boardColours(legendEntries);
  let max = 0;
  for (let i = 0; i < width * height; i++) max = Math.max(max, heatmap.counts[i] ?? 0);
  let body = '';
  for (let r = 0; r < height; r++) {
    const row = heatmap.background[r] ?? '';
    for (let c = 0; c < width; c++) {
      const char = row[c] ?? ' ';
      const count = heatmap.counts[r * width + c] ?? 0;
      const fill = count > 0 ? viridis(heatLevel(count, max)) : neutral(colours.get(char) ?? '#ffffff');
      const label = legendEntries[char]?.label ?? (char === ' ' ? 'empty' : 'unlabelled');
      const px = left + c * cell;
      const py = top + r * cell;
      body += rectWithTitle(px, py, cell, cell, `row ${r}, column ${c}: ${label}, ${count} visit${count === 1 ? '' : 's'}`, {
        fill,
        stroke: '#ffffff',
        'stroke-width': 0.5,
        'data-count': count > 0 ? String(count) : undefined,
      });
      if (char !== ' ') body += text(px + cell / 2, py + cell / 2 + cell * 0.17, char, { 'text-anchor': 'middle', 'font-size': Math.round(cell * 0.5), 'font-family': 'monospace', fill: textColourOn(fill), 'pointer-events': 'none' });
    }
  }
  const boardWidth = width * cell;
  const barWidth = Math.max(140, boardWidth);
  const barY = top + height * cell + 12;
  body += colourBar(left, barY, barWidth, 10, viridis, heatTicks(max));
  body += text(left, barY + 40, 'visits per cell (log scale)', { 'font-size': 11, fill: MUTED });
  const title = `Visits of ${heatmap.agent} on ${heatmap.split}`;
  return svgDocument(left + Math.max(boardWidth, barWidth) + 16, barY + 48, title, body, { 'data-chart': 'heatmap', 'data-split': heatmap.split, 'data-agent': heatmap.agent });
}
