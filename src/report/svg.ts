/**
 * Plots as SVG text: linear and band scales, axes with nice ticks, lines, bands, bars with error
 * whiskers, markers, heatmap cells, colour bars and legends.
 *
 * Our own rather than a charting library, for three reasons: no dependency (the report opens offline
 * from one file, and nothing is fetched or bundled), deterministic output (same data → same bytes:
 * coordinates are rounded to two decimals and nothing depends on the clock, the locale or the
 * browser, so tests can assert on the markup), and it is small: a study report needs these few
 * shapes, and a few hundred lines that one can read cover them.
 *
 * Everything here returns strings; every piece of text goes through `escapeXml`.
 */

/** Escape text for XML content and attribute values (`&`, `<`, `>`, quotes). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A coordinate as text: at most two decimals, no `-0`, no exponent. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return '0';
  const rounded = Math.round(value * 100) / 100;
  return String(rounded === 0 ? 0 : rounded);
}

/** Attributes as ` key="value"`, in the given order; undefined and empty values are left out. */
export function attrs(values: Readonly<Record<string, string | number | undefined>>): string {
  let out = '';
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === '') continue;
    out += ` ${key}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`;
  }
  return out;
}

type Attrs = Readonly<Record<string, string | number | undefined>>;

// ---------------------------------------------------------------------------------------------------
// Numbers: nice steps, ticks and labels

/** The step among 1, 2, 5 × 10^k closest above `span / count` (Heckbert, "Nice numbers for graph labels", 1990). */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalised = raw / magnitude;
  const nice = normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 5 ? 5 : 10;
  return nice * magnitude;
}

/** Decimals needed to print multiples of `step` exactly (0.2 → 1, 0.05 → 2, 500 → 0). */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
}

export interface NiceExtent {
  /** The data range widened outwards to multiples of `step`. */
  readonly domain: readonly [number, number];
  readonly step: number;
  /** The multiples of `step` in `domain`, ends included, free of floating-point noise. */
  readonly ticks: readonly number[];
}

/**
 * Nice ticks around [lo, hi], about `count` of them. An empty or single-valued range is widened so
 * that there is always an axis to draw; non-finite ends fall back to [0, 1].
 */
export function niceExtent(lo: number, hi: number, count = 5): NiceExtent {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  let step = niceStep(hi - lo, count);
  let first = Math.floor(lo / step + 1e-9);
  let last = Math.ceil(hi / step - 1e-9);
  // Rounding out can double the tick count; take the next step up when it does.
  if (last - first > count * 2) {
    step = niceStep(step * (last - first), count);
    first = Math.floor(lo / step + 1e-9);
    last = Math.ceil(hi / step - 1e-9);
  }
  const decimals = stepDecimals(step);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(clean(Number((i * step).toFixed(decimals))));
  return { domain: [ticks[0], ticks[ticks.length - 1]], step, ticks };
}

function clean(value: number): number {
  return value === 0 ? 0 : value;
}

/** `1500000` → `1.5M`, `20000` → `20k`, `950` → `950`. */
export function formatSi(value: number): string {
  const abs = Math.abs(value);
  const units: ReadonlyArray<readonly [number, string]> = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) if (abs >= size) return `${clean(Number((value / size).toFixed(2)))}${suffix}`;
  return String(clean(Number(value.toFixed(2))));
}

/** A count: whole, with SI suffixes from 10 000 (`950`, `12k`). */
export function formatCount(value: number): string {
  return Math.abs(value) >= 10_000 ? formatSi(value) : String(clean(Math.round(value)));
}

/** A tick label: as many decimals as the step needs, SI suffixes from a step of 1000 up. */
export function formatTick(value: number, step: number): string {
  if (Math.abs(step) >= 1000) return formatSi(value);
  return clean(Number(value.toFixed(stepDecimals(step)))).toFixed(stepDecimals(step));
}

/** A value in prose or a label: `123`, `2.0`, `0.4`, `0.25`, SI from 10 000 (`12k`); "–" for no value. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 10_000) return formatSi(value);
  if (abs >= 100) return String(clean(Math.round(value)));
  if (abs >= 1) return value.toFixed(1);
  return String(clean(Number(value.toFixed(2))));
}

// ---------------------------------------------------------------------------------------------------
// Scales

/** Maps a data interval linearly onto a pixel interval (reversed ranges are fine: y grows down). */
export class LinearScale {
  constructor(
    readonly domain: readonly [number, number],
    readonly range: readonly [number, number],
  ) {}

  map(value: number): number {
    const [d0, d1] = this.domain;
    const [r0, r1] = this.range;
    if (d1 === d0) return (r0 + r1) / 2;
    return r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
  }
}

/** Evenly spaced bands for categories, with `padding` (a fraction of a step) between them. */
export class BandScale {
  readonly step: number;
  readonly bandwidth: number;

  constructor(
    readonly count: number,
    readonly range: readonly [number, number],
    readonly padding = 0.2,
  ) {
    this.step = (range[1] - range[0]) / Math.max(1, count);
    this.bandwidth = this.step * (1 - padding);
  }

  /** Left edge of band `i`. */
  start(i: number): number {
    return this.range[0] + i * this.step + (this.step - this.bandwidth) / 2;
  }

  centre(i: number): number {
    return this.start(i) + this.bandwidth / 2;
  }
}

// ---------------------------------------------------------------------------------------------------
// Shapes

/** The plotting area inside an SVG: axes go around it. */
export interface Plot {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export function svgDocument(width: number, height: number, title: string, body: string, extra: Attrs = {}): string {
  return (
    `<svg${attrs({ xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${num(width)} ${num(height)}`, width, height, role: 'img', 'aria-label': title, ...extra })}>` +
    `<title>${escapeXml(title)}</title>${body}</svg>`
  );
}

export function text(x: number, y: number, content: string, extra: Attrs = {}): string {
  return `<text${attrs({ x, y, ...extra })}>${escapeXml(content)}</text>`;
}

export function rect(x: number, y: number, width: number, height: number, extra: Attrs = {}): string {
  return `<rect${attrs({ x, y, width: Math.max(0, width), height: Math.max(0, height), ...extra })}/>`;
}

/** A rect with a tooltip (`<title>`), e.g. a heatmap cell with its count. */
export function rectWithTitle(x: number, y: number, width: number, height: number, title: string, extra: Attrs = {}): string {
  return `<rect${attrs({ x, y, width: Math.max(0, width), height: Math.max(0, height), ...extra })}><title>${escapeXml(title)}</title></rect>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, extra: Attrs = {}): string {
  return `<line${attrs({ x1, y1, x2, y2, ...extra })}/>`;
}

/** `M x y L x y …` through the points; points with a non-finite coordinate break the line. */
export function pathData(points: ReadonlyArray<readonly [number, number]>): string {
  let d = '';
  let pen = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${d === '' ? '' : ' '}${pen ? 'L' : 'M'}${num(x)} ${num(y)}`;
    pen = true;
  }
  return d;
}

export function polyline(points: ReadonlyArray<readonly [number, number]>, extra: Attrs = {}): string {
  return `<path${attrs({ d: pathData(points), fill: 'none', ...extra })}/>`;
}

/** A filled band between `low` and `high` at the same xs (e.g. min–max over seeds). */
export function band(xs: readonly number[], lows: readonly number[], highs: readonly number[], extra: Attrs = {}): string {
  const upper = xs.map((x, i) => [x, highs[i]] as const);
  const lower = xs.map((x, i) => [x, lows[i]] as const).reverse();
  const d = pathData([...upper, ...lower]);
  return `<path${attrs({ d: d === '' ? '' : `${d} Z`, stroke: 'none', ...extra })}/>`;
}

/** A vertical error whisker from `y1` to `y2` at `x`, with caps `cap` wide. Nothing if either end is missing. */
export function whisker(x: number, y1: number, y2: number, cap: number, extra: Attrs = {}): string {
  if (!Number.isFinite(y1) || !Number.isFinite(y2)) return '';
  const h = cap / 2;
  const d = `M${num(x)} ${num(y1)} L${num(x)} ${num(y2)} M${num(x - h)} ${num(y1)} L${num(x + h)} ${num(y1)} M${num(x - h)} ${num(y2)} L${num(x + h)} ${num(y2)}`;
  return `<path${attrs({ d, fill: 'none', ...extra })}/>`;
}

/** The same whisker lying down: from `x1` to `x2` at `y`. */
export function horizontalWhisker(y: number, x1: number, x2: number, cap: number, extra: Attrs = {}): string {
  if (!Number.isFinite(x1) || !Number.isFinite(x2)) return '';
  const h = cap / 2;
  const d = `M${num(x1)} ${num(y)} L${num(x2)} ${num(y)} M${num(x1)} ${num(y - h)} L${num(x1)} ${num(y + h)} M${num(x2)} ${num(y - h)} L${num(x2)} ${num(y + h)}`;
  return `<path${attrs({ d, fill: 'none', ...extra })}/>`;
}

export type MarkerShape = 'circle' | 'diamond' | 'square' | 'triangle';

/** A point marker of `size` (its width); shapes tell series apart where colours might not. */
export function marker(shape: MarkerShape, x: number, y: number, size: number, extra: Attrs = {}): string {
  const r = size / 2;
  switch (shape) {
    case 'circle':
      return `<circle${attrs({ cx: x, cy: y, r, ...extra })}/>`;
    case 'square':
      return rect(x - r, y - r, size, size, extra);
    case 'diamond':
      return `<path${attrs({ d: `M${num(x)} ${num(y - r * 1.25)} L${num(x + r * 1.25)} ${num(y)} L${num(x)} ${num(y + r * 1.25)} L${num(x - r * 1.25)} ${num(y)} Z`, ...extra })}/>`;
    case 'triangle':
      return `<path${attrs({ d: `M${num(x)} ${num(y - r * 1.2)} L${num(x + r * 1.2)} ${num(y + r)} L${num(x - r * 1.2)} ${num(y + r)} Z`, ...extra })}/>`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Axes

export interface AxisOptions {
  readonly ticks: readonly number[];
  readonly format: (value: number) => string;
  readonly label?: string;
  /** Draw grid lines across the plot at each tick. */
  readonly grid?: boolean;
}

const AXIS_COLOUR = '#333333';
const GRID_COLOUR = '#e3e3e3';
const FONT_SIZE = 12;

/** A bottom axis under `plot`: baseline, ticks, labels and an axis title. */
export function axisBottom(plot: Plot, scale: LinearScale, options: AxisOptions): string {
  const base = plot.y + plot.height;
  let out = '<g class="axis axis-x">';
  for (const tick of options.ticks) {
    const x = scale.map(tick);
    if (options.grid) out += line(x, plot.y, x, base, { stroke: GRID_COLOUR });
    out += line(x, base, x, base + 5, { stroke: AXIS_COLOUR });
    out += text(x, base + 18, options.format(tick), { 'text-anchor': 'middle', 'font-size': FONT_SIZE });
  }
  out += line(plot.x, base, plot.x + plot.width, base, { stroke: AXIS_COLOUR });
  if (options.label) out += text(plot.x + plot.width / 2, base + 36, options.label, { 'text-anchor': 'middle', 'font-size': FONT_SIZE });
  return `${out}</g>`;
}

/** A left axis beside `plot`, with the title turned to run up the side. */
export function axisLeft(plot: Plot, scale: LinearScale, options: AxisOptions): string {
  let out = '<g class="axis axis-y">';
  for (const tick of options.ticks) {
    const y = scale.map(tick);
    if (options.grid) out += line(plot.x, y, plot.x + plot.width, y, { stroke: GRID_COLOUR });
    out += line(plot.x - 5, y, plot.x, y, { stroke: AXIS_COLOUR });
    out += text(plot.x - 8, y + 4, options.format(tick), { 'text-anchor': 'end', 'font-size': FONT_SIZE });
  }
  out += line(plot.x, plot.y, plot.x, plot.y + plot.height, { stroke: AXIS_COLOUR });
  if (options.label) {
    const x = plot.x - 46;
    const y = plot.y + plot.height / 2;
    out += text(x, y, options.label, { 'text-anchor': 'middle', 'font-size': FONT_SIZE, transform: `rotate(-90 ${num(x)} ${num(y)})` });
  }
  return `${out}</g>`;
}

// ---------------------------------------------------------------------------------------------------
// Legends

export interface LegendItem {
  readonly label: string;
  readonly colour: string;
  /** How the swatch is drawn: a line (with an optional dash), a filled box, or a marker. */
  readonly swatch: 'line' | 'box' | MarkerShape;
  readonly dash?: string;
}

/** Rough text width for layout: SVG cannot measure without a browser, and the report must not need one. */
export function textWidth(content: string, fontSize = FONT_SIZE): number {
  return [...content].length * fontSize * 0.6;
}

/** A legend laid out left to right from (x, y), wrapping at `maxWidth`; returns the markup and its height. */
export function legend(items: readonly LegendItem[], x: number, y: number, maxWidth: number): { markup: string; height: number } {
  const rowHeight = 18;
  let out = '<g class="legend">';
  let cx = x;
  let cy = y;
  for (const item of items) {
    const width = 26 + textWidth(item.label) + 16;
    if (cx > x && cx + width > x + maxWidth) {
      cx = x;
      cy += rowHeight;
    }
    const mid = cy + rowHeight / 2;
    if (item.swatch === 'line') {
      out += line(cx, mid, cx + 20, mid, { stroke: item.colour, 'stroke-width': 2.5, 'stroke-dasharray': item.dash });
    } else if (item.swatch === 'box') {
      out += rect(cx + 3, mid - 6, 14, 12, { fill: item.colour, stroke: '#555555', 'stroke-width': 0.5 });
    } else {
      out += marker(item.swatch, cx + 10, mid, 10, { fill: item.colour, stroke: '#333333', 'stroke-width': 0.8 });
    }
    out += text(cx + 26, mid + 4, item.label, { 'font-size': FONT_SIZE });
    cx += width;
  }
  return { markup: `${out}</g>`, height: cy - y + rowHeight };
}

/**
 * A horizontal colour bar: `steps` boxes of `colourAt(t)` from t = 0 to 1 (plain rects rather than a
 * gradient, which would need a document-unique id), with labelled ticks at the given positions.
 */
export function colourBar(
  x: number,
  y: number,
  width: number,
  height: number,
  colourAt: (t: number) => string,
  ticks: ReadonlyArray<{ readonly t: number; readonly label: string }>,
  steps = 32,
): string {
  let out = '<g class="colour-bar">';
  const w = width / steps;
  for (let i = 0; i < steps; i++) out += rect(x + i * w, y, w + 0.3, height, { fill: colourAt((i + 0.5) / steps) });
  out += rect(x, y, width, height, { fill: 'none', stroke: '#555555', 'stroke-width': 0.5 });
  for (const tick of ticks) {
    const tx = x + tick.t * width;
    out += line(tx, y + height, tx, y + height + 4, { stroke: AXIS_COLOUR });
    out += text(tx, y + height + 15, tick.label, { 'text-anchor': 'middle', 'font-size': 11 });
  }
  return `${out}</g>`;
}
