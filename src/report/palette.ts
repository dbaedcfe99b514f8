/**
 * Colour-blind-safe colours. Categories use Okabe & Ito's eight ("Color Universal Design", 2008),
 * which stay distinct under the common colour-vision deficiencies; magnitudes use viridis (van der
 * Walt & Smith, matplotlib 2015), which is perceptually uniform and readable in grey. The report
 * never relies on colour alone: every series also has a label and a dash or marker shape.
 */
import type { LegendEntry } from './data.js';

/** Okabe–Ito without black (kept for text): orange, sky blue, bluish green, blue, vermillion, reddish purple, yellow. */
export const CATEGORY_COLOURS = ['#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7', '#F0E442'] as const;

/** Dash patterns that go with the category colours, so two series differ in more than hue. */
export const CATEGORY_DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4'] as const;

export function categoryColour(index: number): string {
  return CATEGORY_COLOURS[index % CATEGORY_COLOURS.length];
}

export function categoryDash(index: number): string {
  return CATEGORY_DASHES[index % CATEGORY_DASHES.length];
}

// Viridis at ten evenly spaced stops (matplotlib's table, sampled); linear interpolation between them
// stays within a few units of the full 256-entry table.
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [0x44, 0x01, 0x54],
  [0x48, 0x28, 0x78],
  [0x3e, 0x49, 0x89],
  [0x31, 0x68, 0x8e],
  [0x26, 0x82, 0x8e],
  [0x1f, 0x9e, 0x89],
  [0x35, 0xb7, 0x79],
  [0x6e, 0xce, 0x58],
  [0xb5, 0xde, 0x2b],
  [0xfd, 0xe7, 0x25],
];

function hex2(value: number): string {
  return Math.round(Math.min(255, Math.max(0, value))).toString(16).padStart(2, '0');
}

/** Viridis at `t` in [0, 1] (clamped) as `#rrggbb`. */
export function viridis(t: number): string {
  const x = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1) : 0;
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  return `#${hex2(a[0] + (b[0] - a[0]) * f)}${hex2(a[1] + (b[1] - a[1]) * f)}${hex2(a[2] + (b[2] - a[2]) * f)}`;
}

/** Relative luminance (WCAG 2) of `#rgb` or `#rrggbb`; NaN for anything else. */
export function luminance(colour: string): number {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour.trim());
  if (!m) return NaN;
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  const channel = (k: number): number => {
    const c = parseInt(h.slice(2 * k, 2 * k + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** Black or white, whichever reads better on `background` (black where the colour is not a hex). */
export function textColourOn(background: string): string {
  const l = luminance(background);
  if (Number.isNaN(l)) return '#000000';
  // Contrast with black is (l + 0.05) / 0.05, with white 1.05 / (l + 0.05): equal at l ≈ 0.179.
  return l > 0.179 ? '#000000' : '#ffffff';
}

// Board cells: the usual gridworld characters get the usual colours; the rest take light tints of the
// Okabe–Ito hues in the legend's order, light enough that the black character drawn on them reads.
const BOARD_DEFAULTS: Readonly<Record<string, string>> = { '#': '#4d4d4d', ' ': '#f2f2f2', '.': '#f2f2f2' };
const BOARD_TINTS = ['#f5c76b', '#9fd3f2', '#5cc0a4', '#5c9fd0', '#eb9a62', '#e0a9c9', '#f6ef8f'] as const;

/**
 * Whether a colour from the data can go into a style attribute as it is: hex, a plain name, or
 * rgb()/hsl() with numbers. Anything else (quotes, semicolons, `url(`) is dropped for a default.
 */
export function isSafeColour(colour: string): boolean {
  return /^(#[0-9a-f]{3,8}|[a-z]{3,20}|(rgb|rgba|hsl|hsla)\([0-9.,%\s]+\))$/i.test(colour);
}

/** A cell colour for each legend character, in the legend's order; explicit colours win. */
export function boardColours(legend: Readonly<Record<string, LegendEntry>>): Map<string, string> {
  const colours = new Map<string, string>();
  let next = 0;
  for (const [char, entry] of Object.entries(legend)) {
    if (entry.colour !== undefined && isSafeColour(entry.colour)) colours.set(char, entry.colour);
    else if (BOARD_DEFAULTS[char] !== undefined) colours.set(char, BOARD_DEFAULTS[char]);
    else colours.set(char, BOARD_TINTS[next++ % BOARD_TINTS.length]);
  }
  for (const [char, colour] of Object.entries(BOARD_DEFAULTS)) if (!colours.has(char)) colours.set(char, colour);
  return colours;
}
