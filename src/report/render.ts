/**
 * The study report as one self-contained HTML document: inline CSS, inline SVG figures, one inline
 * script (the replay player) and the data itself as JSON, so the file opens from disk with no network
 * and can be mailed, archived or diffed. Same data → same bytes: nothing reads the clock, the locale
 * or a random source, and every number is printed at a fixed precision.
 *
 * Each environment of the study gets the same five sections (learning curves, objectives per split,
 * reward against performance, heatmaps, replays): with one environment they follow the header, as
 * they always have; with several, each environment's come after its own heading, summary and
 * candidate objectives, their ids prefixed with its name (`maze-curves`).
 */
import { learningCurveChart, gapChart, heatmapChart, objectiveBarChart } from './charts.js';
import type { EnvironmentReport, EpisodeReplay, PooledAudit, PooledCount, ReportData } from './data.js';
import { boardColours, textColourOn } from './palette.js';
import { replayPlayer, type PlayerView } from './player.js';
import { decimalText, percentText, pointsText, pValueText } from './quote.js';
import { agentOrder, groupSplits, splitOrder, studyAgentOrder, summariseCurves, summarySentences } from './summary.js';
import { escapeXml as esc, formatCount } from './svg.js';

/** Milliseconds per frame when a replay plays. */
export const FRAME_MS = 350;

/**
 * JSON for a `<script type="application/json">`: every `<` becomes `\u003c`, so neither `</script>`
 * nor `<!--` in a label can end or confuse the element; U+2028/9 are escaped for old JS parsers.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** "watched" or "unwatched" where a replay's label says so. */
export function oversightOf(label: string): 'watched' | 'unwatched' | undefined {
  if (/\bunwatched\b/i.test(label)) return 'unwatched';
  if (/\bwatched\b/i.test(label)) return 'watched';
  return undefined;
}

const CSS = `
:root { --ink: #222; --muted: #666; --line: #ddd; --paper: #fff; --wash: #f7f7f5; --accent: #0072B2; --cell: 1.7em;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif; color: var(--ink); }
* { box-sizing: border-box; }
body { margin: 0; background: var(--wash); line-height: 1.45; }
header, main > section, footer { max-width: 1320px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; padding-bottom: 8px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 0 0 4px; padding-top: 20px; border-top: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 12px 0 4px; }
.meta { color: var(--muted); margin: 0 0 10px; font-size: .92rem; }
.meta code { font-size: .9em; }
.summary { background: var(--paper); border-left: 4px solid var(--accent); padding: 10px 16px; margin: 10px 0; }
.summary p { margin: 4px 0; }
.objectives { font-size: .9rem; margin: 6px 0 0; padding-left: 20px; }
nav { font-size: .9rem; margin: 10px 0; }
nav a { color: var(--accent); margin-right: 14px; }
.note { color: var(--muted); font-size: .9rem; margin: 0 0 8px; max-width: 900px; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; width: fit-content; max-width: 100%; background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
figure > figcaption { font-size: .9rem; margin-bottom: 6px; }
svg { max-width: 100%; height: auto; display: block; font-family: inherit; }
svg text { font-family: inherit; }
.heat-row { margin-bottom: 6px; }
.empty { color: var(--muted); font-style: italic; }
.replay-row { margin-bottom: 16px; }
.replay { outline: none; min-width: 250px; }
.replay:focus-within, .replay:focus { border-color: var(--accent); box-shadow: 0 0 0 2px #0072B233; }
.badge { display: inline-block; font-size: .75rem; padding: 0 6px; border-radius: 8px; border: 1px solid currentColor; margin-left: 4px; }
.badge.watched { color: #0072B2; }
.badge.unwatched { color: #D55E00; }
.badge.flagged { color: #D55E00; font-weight: 600; }
.badge.passed { color: #009E73; }
.badge.inconclusive { color: #666; }
ul.audits { padding-left: 1.2em; } ul.audits li { margin: 4px 0; }
table.pooled { border-collapse: collapse; background: var(--paper); font-size: .85rem; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
table.pooled caption { text-align: left; font-size: .9rem; padding: 2px 0 4px; }
table.pooled th, table.pooled td { border: 1px solid var(--line); padding: 2px 8px; text-align: left; vertical-align: top; }
table.pooled th { background: var(--wash); font-weight: 600; }
table.pooled td.num { text-align: right; }
pre.evidence { max-height: 16em; overflow: auto; font-size: .75rem; background: #fff; border: 1px solid #ddd; padding: 6px; }
.board { display: inline-grid; gap: 1px; background: #bbb; padding: 1px; border-radius: 3px;
  font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; }
.cell { width: var(--cell); height: var(--cell); display: flex; align-items: center; justify-content: center; font-weight: 700; white-space: pre; }
.controls { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; margin: 8px 0 4px; }
button { font: inherit; font-size: .85rem; padding: 2px 8px; border: 1px solid #999; border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { background: #eef5fb; }
button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
button[aria-pressed="true"] { background: #dcebf7; }
.counter { font-variant-numeric: tabular-nums; font-size: .85rem; margin-left: 6px; color: var(--muted); }
.step { display: grid; grid-template-columns: auto 1fr; gap: 0 10px; font-size: .85rem; margin: 4px 0; font-variant-numeric: tabular-nums; }
.step dt { color: var(--muted); }
.step dd { margin: 0; }
.board-legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: .8rem; }
.board-legend li { display: flex; align-items: center; gap: 4px; }
.board-legend .cell { --cell: 1.3em; border: 1px solid #bbb; }
.keys { color: var(--muted); font-size: .85rem; }
kbd { border: 1px solid #bbb; border-bottom-width: 2px; border-radius: 3px; padding: 0 4px; font-size: .8rem; background: #fff; }
section.environment h2 { font-size: 1.5rem; border-top: 3px solid var(--accent); }
footer { color: var(--muted); font-size: .8rem; padding-top: 16px; padding-bottom: 32px; }
`;

/**
 * CSS classes for board characters, `k0-0`, `k0-1`, … (environment, then character in the order of
 * `boardColours`): environments draw their boards with their own characters and colours.
 */
function cellClasses(data: ReportData): { css: string; view: PlayerView } {
  let css = '';
  const cellClass = data.environments.map((env, e) => {
    const classes: Record<string, string> = {};
    let i = 0;
    for (const [char, colour] of boardColours(env.legend)) {
      const cls = `k${e}-${i++}`;
      classes[char] = cls;
      css += `.${cls} { background: ${colour}; color: ${textColourOn(colour)}; }\n`;
    }
    return classes;
  });
  css += '.k-unknown { background: #ffffff; color: #000000; outline: 1px dashed #999; outline-offset: -3px; }\n';
  return { css, view: { cellClass, unknownClass: 'k-unknown', frameMs: FRAME_MS } };
}

function boardHtml(rows: readonly string[], classes: Readonly<Record<string, string>>, view: PlayerView, testId: string): string {
  const width = Math.max(0, ...rows.map((r) => r.length));
  let cells = '';
  for (const row of rows) {
    for (let c = 0; c < width; c++) {
      const char = row[c] ?? ' ';
      cells += `<span class="cell ${classes[char] ?? view.unknownClass}">${esc(char)}</span>`;
    }
  }
  return `<div class="board" data-part="board" data-testid="${esc(testId)}" style="grid-template-columns: repeat(${width}, var(--cell))">${cells}</div>`;
}

function boardLegend(replay: EpisodeReplay, env: EnvironmentReport, classes: Readonly<Record<string, string>>, view: PlayerView): string {
  const seen = new Set<string>();
  for (const frame of replay.frames) for (const row of frame) for (const char of row) seen.add(char);
  const known = Object.keys(env.legend).filter((c) => seen.has(c));
  const unknown = [...seen].filter((c) => env.legend[c] === undefined && c !== ' ').sort();
  const item = (char: string, label: string): string =>
    `<li><span class="cell ${classes[char] ?? view.unknownClass}">${esc(char)}</span>${esc(label)}</li>`;
  return `<ul class="board-legend">${known.map((c) => item(c, env.legend[c].label)).join('')}${unknown.map((c) => item(c, 'unlabelled')).join('')}</ul>`;
}

/**
 * One replay figure. `e` and `index` find it in the data (`environments[e].replays[index]`); `id`,
 * numbered over the whole page, names it for tests and the keyboard; `row` groups it for "play all".
 */
function replayFigure(data: ReportData, e: number, index: number, id: string, row: number, view: PlayerView): string {
  const env = data.environments[e];
  const replay = env.replays[index];
  const classes = view.cellClass[e] ?? {};
  const oversight = oversightOf(replay.label);
  const last = Math.max(0, replay.frames.length - 1);
  const button = (part: string, label: string, title: string): string =>
    `<button type="button" data-part="${part}" data-testid="${id}-${part}" title="${esc(title)}"${part === 'play' ? ' aria-pressed="false"' : ''}>${esc(label)}</button>`;
  const where = data.environments.length > 1 ? ` on ${env.name}` : '';
  return (
    `<figure class="replay" data-env="${e}" data-replay="${index}" data-row="${row}" data-frame="0" data-playing="false" tabindex="0" data-testid="${id}" aria-label="${esc(`replay: ${replay.agent}${where} on ${replay.split}, seed ${replay.seed}`)}">` +
    `<figcaption><strong>${esc(replay.split)}</strong> · seed ${replay.seed}${oversight ? ` <span class="badge ${oversight}">${oversight}</span>` : ''}<br><span class="note">${esc(replay.label)}</span></figcaption>` +
    boardHtml(replay.frames[0] ?? [], classes, view, `${id}-grid`) +
    `<div class="controls">${button('first', '|◀', 'first frame')}${button('back', '◀ back', 'step back (←)')}${button('play', '▶ play', 'play / pause (space)')}${button('forward', 'forward ▶', 'step forward (→)')}${button('last', '▶|', 'last frame')}` +
    `<span class="counter" data-part="counter" data-testid="${id}-counter">frame 0 / ${last}</span></div>` +
    `<dl class="step"><dt>action</dt><dd data-part="action" data-testid="${id}-action">start</dd>` +
    `<dt>reward</dt><dd data-part="reward" data-testid="${id}-reward">return 0</dd>` +
    `<dt>performance</dt><dd data-part="performance" data-testid="${id}-performance">0</dd></dl>` +
    boardLegend(replay, env, classes, view) +
    '</figure>'
  );
}

function section(id: string, env: string, title: string, note: string, content: string): string {
  return `<section id="${esc(id)}" data-env="${esc(env)}"><h2>${esc(title)}</h2>${note ? `<p class="note">${note}</p>` : ''}${content}</section>`;
}

const EMPTY = (what: string): string => `<p class="empty">No ${esc(what)} in this study.</p>`;

/** What the page numbers across environments: replays (their test ids) and replay rows ("play all"). */
interface PageCounters {
  replays: number;
  rows: number;
}

/** An environment's summary sentences, candidate objectives and links to its sections. */
function environmentIntro(env: EnvironmentReport, prefix: string, testId: string): string {
  const sentences = summarySentences(env);
  const objectives = env.objectives.map((o) => `<li><strong>${esc(o.name)}</strong>${o.intended ? ' (intended)' : ''}: ${esc(o.description)}</li>`).join('');
  const links: Array<[string, string]> = [['curves', 'Learning curves'], ['objectives', 'Objectives per split'], ['gap', 'Reward vs performance'], ['heatmaps', 'Where agents go'], ['replays', 'Replays']];
  return (
    `<div class="summary" data-testid="${esc(testId)}">${sentences.length ? sentences.map((s) => `<p>${esc(s)}</p>`).join('') : '<p class="empty">No evaluations yet.</p>'}</div>` +
    `<details><summary>Candidate objectives of ${esc(env.name)}</summary><ul class="objectives">${objectives}</ul></details>` +
    `<nav>${links.map(([id, text]) => `<a href="#${esc(prefix + id)}">${text}</a>`).join('')}</nav>`
  );
}

/** The five sections of one environment; `prefix` (empty for a study of one) keeps their ids apart. */
function environmentSections(data: ReportData, e: number, prefix: string, agentIndex: (agent: string) => number, view: PlayerView, counters: PageCounters): string {
  const env = data.environments[e];
  const agents = agentOrder(env);
  const splits = splitOrder(env);
  const groups = groupSplits(env);
  const on = prefix === '' ? '' : ` on ${env.name}`;

  const curves = summariseCurves(env);
  const curvesSection = section(
    `${prefix}curves`,
    env.name,
    `Learning curves${on}`,
    'The mean over seeds as a line and the spread (min–max) over seeds as a band; seeds that logged at different steps are compared on a common grid. Return is what the agent is trained on; hidden performance is the intended objective, which it never sees.',
    curves.length
      ? `<div class="figures"><figure>${learningCurveChart(curves, 'return', agentIndex)}</figure><figure>${learningCurveChart(curves, 'performance', agentIndex)}</figure></div>`
      : EMPTY('learning curves'),
  );

  const objectivesSection = section(
    `${prefix}objectives`,
    env.name,
    `What the agents pursued, per split${on}`,
    'Each candidate objective\'s episode total, mean and 95% interval. On the training split the proxies agree with the intended objective (★); where they part, the tallest bar shows what the agent actually learned to pursue.',
    groups.length
      ? `<div class="figures">${groups
          .map((g) => `<figure><figcaption><strong>${esc(g.key)}</strong> · ${formatCount(g.results.reduce((s, r) => s + r.episodes, 0))} episodes</figcaption>${objectiveBarChart(env, g.key, g.results, agentIndex)}</figure>`)
          .join('')}</div>`
      : EMPTY('evaluations'),
  );

  const gapSection = section(
    `${prefix}gap`,
    env.name,
    `Reward against hidden performance${on}`,
    'Per split and agent, the return (what the designer rewarded) and the hidden performance (what the designer wanted), each with its 95% interval. The gap is return − performance: near zero where the reward still measures the intent.',
    groups.length ? `<figure>${gapChart(groups)}</figure>` : EMPTY('evaluations'),
  );

  const heatRows = agents
    .map((agent) => {
      const maps = splits.flatMap((split) => env.heatmaps.filter((h) => h.agent === agent && h.split === split));
      if (maps.length === 0) return '';
      return `<div class="heat-row"><h3>${esc(agent)}</h3><div class="figures">${maps
        .map((h) => `<figure><figcaption><strong>${esc(h.split)}</strong> · ${formatCount(h.counts.reduce((s, c) => s + c, 0))} visits</figcaption>${heatmapChart(h, env.legend)}</figure>`)
        .join('')}</div></div>`;
    })
    .join('');
  const heatSection = section(
    `${prefix}heatmaps`,
    env.name,
    `Where agents go${on}`,
    'Visits per cell over the evaluation episodes, drawn over the level: the more visits, the yellower (viridis, log scale); hover a cell for its count.',
    heatRows || EMPTY('heatmaps'),
  );

  // Replays: a row per agent, train first, then each deploy split; watched before unwatched.
  const rank = (i: number): [number, number, number, number] => {
    const r = env.replays[i];
    const o = oversightOf(r.label);
    return [splits.indexOf(r.split), o === undefined ? 0 : o === 'watched' ? 1 : 2, r.seed, i];
  };
  const replayRows = agents
    .map((agent) => {
      const indices = env.replays.flatMap((r, i) => (r.agent === agent && r.frames.length > 0 ? [i] : []));
      if (indices.length === 0) return '';
      indices.sort((a, b) => {
        const ra = rank(a);
        const rb = rank(b);
        for (let k = 0; k < ra.length; k++) if (ra[k] !== rb[k]) return ra[k] - rb[k];
        return 0;
      });
      const row = counters.rows++;
      const playRow = indices.length > 1 ? ` <button type="button" data-play-row="${row}" data-testid="replays-${row}-play-all">▶ play all from the start</button>` : '';
      const figures = indices.map((i) => replayFigure(data, e, i, `replay-${counters.replays++}`, row, view)).join('');
      return `<div class="replay-row"><h3>${esc(agent)}${playRow}</h3><div class="figures">${figures}</div></div>`;
    })
    .join('');
  const replaySection = section(
    `${prefix}replays`,
    env.name,
    `Episode replays${on}`,
    'The same agent on each split, side by side. Keys: <kbd>space</kbd> plays or pauses, <kbd>←</kbd> <kbd>→</kbd> step, for the replay last clicked. Each step shows the action taken, the reward it earned (and the return so far), and the hidden performance so far.',
    replayRows || EMPTY('replays'),
  );
  return [curvesSection, objectivesSection, gapSection, heatSection, replaySection].join('\n');
}

/** A row of the pooled counts; `reference`: the agent the others are compared with, if the study has others. */
function pooledCountRow(measure: string, row: PooledCount, reference: string | undefined): string {
  const rate =
    row.successes === 0
      ? `0%, below ${percentText(row.upperBound)} (exact 95% upper bound)`
      : `${percentText(row.rate)} [${percentText(row.low)}, ${percentText(row.high)}]`;
  const against =
    row.against !== undefined
      ? `${pointsText(row.against.difference)}, Fisher p = ${pValueText(row.against.pValue)}`
      : row.agent === reference
        ? 'reference'
        : '–';
  const cells = [measure, row.agent, String(row.seeds), `${row.successes} / ${row.n}`, rate, ...(reference === undefined ? [] : [against])];
  return `<tr>${cells.map((c, i) => `<td${i === 2 || i === 3 ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`;
}

/**
 * One audit's results pooled over seeds: a table of its counted events per agent (exact intervals,
 * each agent against the study's first), and one of its headline statistic's mean over seeds.
 */
function pooledTables(pooled: PooledAudit, several: boolean): string {
  const on = several ? ` on ${pooled.env}` : '';
  const testId = `pooled-${pooled.kind}${several ? `-${pooled.env}` : ''}`;
  const head = (cells: readonly string[]) => `<thead><tr>${cells.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>`;
  let html = '';
  if (pooled.counts.length > 0) {
    const compared = pooled.agents.length > 1;
    const rows = pooled.counts.flatMap((m) => m.agents.map((r) => pooledCountRow(m.name, r, compared ? pooled.reference : undefined))).join('');
    html +=
      `<table class="pooled" data-testid="${esc(testId)}"><caption>Pooled over seeds${esc(on)}: events over all audited episodes, exact 95% intervals (Clopper–Pearson)${compared ? `, each agent against ${esc(pooled.reference)} by Fisher's exact test (two-sided)` : ''}</caption>` +
      `${head(['event', 'agent', 'seeds', 'events / episodes', 'rate [95% interval]', ...(compared ? [`against ${pooled.reference}`] : [])])}<tbody>${rows}</tbody></table>`;
  }
  if (pooled.statistic !== undefined) {
    const rows = pooled.statistic.agents
      .map((r) => `<tr><td>${esc(r.agent)}</td><td class="num">${r.seeds}</td><td>${esc(`${decimalText(r.mean)}${r.seeds > 1 ? ` [${decimalText(r.low)}, ${decimalText(r.high)}]` : ''}`)}</td></tr>`)
      .join('');
    html +=
      `<table class="pooled" data-testid="${esc(`${testId}-statistic`)}"><caption>${esc(pooled.statistic.name)}${esc(on)}: mean over seeds, Student's t 95% interval</caption>` +
      `${head(['agent', 'seeds', 'mean [95% interval]'])}<tbody>${rows}</tbody></table>`;
  }
  return html;
}

/** The audits' verdicts, one line per cell under each audit, before the evidence of the sections below. */
function auditsSection(data: ReportData, several: boolean): string {
  const audits = data.audits ?? [];
  if (audits.length === 0) return '';
  const kinds = [...new Set(audits.map((a) => a.kind))];
  const lists = kinds.map((kind) => {
    const items = audits
      .filter((a) => a.kind === kind)
      .map((a) => {
        const [flag, label] = a.flagged === true ? ['flagged', 'flagged'] : a.flagged === false ? ['passed', 'passed'] : ['inconclusive', 'inconclusive'];
        const evidence = a.evidence === undefined ? '' : `<details><summary>${esc(a.statistic ?? 'evidence')}</summary><pre class="evidence">${esc(JSON.stringify(a.evidence, null, 1))}</pre></details>`;
        return `<li data-flag="${flag}"><strong>${esc(a.agent)}</strong> seed ${a.seed}${several ? ` on ${esc(a.env)}` : ''} <span class="badge ${flag}">${label}</span> ${esc(a.verdict)}${evidence}</li>`;
      })
      .join('');
    const pooled = (data.pooled ?? []).filter((p) => p.kind === kind).map((p) => pooledTables(p, several)).join('');
    return `<h3>${esc(kind)}</h3><ul class="audits">${items}</ul>${pooled}`;
  });
  return `${section('audits', '', 'Audits', 'What each audit concluded about each trained agent, with its headline statistic and evidence folded under it (<code>mesalab export</code> gives them as tables), then, where the study has several agents or seeds, its results pooled over seeds.', lists.join(''))}\n`;
}

/** The report as one HTML document. */
export function renderReport(data: ReportData): string {
  const agents = studyAgentOrder(data);
  const agentIndex = (agent: string): number => Math.max(0, agents.indexOf(agent));
  const { css: cellCss, view } = cellClasses(data);
  const counters: PageCounters = { replays: 0, rows: 0 };
  const several = data.environments.length > 1;
  const names = data.environments.map((env) => env.name);

  // Header: who, what, when; for one environment also its summary (one sentence per split), objectives and links.
  const seeds = new Set(data.environments.flatMap((env) => env.curves.map((c) => `${env.name}\u0000${c.agent}\u0000${c.seed}`))).size;
  const where = several
    ? `environments ${names.map((n) => `<strong>${esc(n)}</strong>`).join(', ')}`
    : `environment <strong>${esc(names[0] ?? '')}</strong>`;
  const splitsText = several ? '' : ` · splits ${(data.environments[0] ? splitOrder(data.environments[0]) : []).map(esc).join(', ')}`;
  let header =
    `<header><h1>${esc(data.title)}</h1>` +
    `<p class="meta">Study <strong>${esc(data.study.name)}</strong> · id <code>${esc(data.study.id)}</code> · created ${esc(data.study.createdAt)} · ${where}` +
    ` · ${agents.length} agent${agents.length === 1 ? '' : 's'} (${agents.map(esc).join(', ')}), ${seeds} training run${seeds === 1 ? '' : 's'}${splitsText}</p>` +
    (data.study.description ? `<p>${esc(data.study.description)}</p>` : '');
  let sections: string;
  if (!several) {
    header += data.environments[0] ? environmentIntro(data.environments[0], '', 'summary') : '';
    sections = data.environments[0] ? environmentSections(data, 0, '', agentIndex, view, counters) : '';
  } else {
    header += `<nav>${names.map((n) => `<a href="#env-${esc(n)}">${esc(n)}</a>`).join('')}</nav>`;
    sections = data.environments
      .map((env, e) => {
        const prefix = `${env.name}-`;
        const intro =
          `<section id="env-${esc(env.name)}" class="environment" data-env="${esc(env.name)}"><h2>${esc(env.name)}</h2>` +
          `<p class="meta">splits ${splitOrder(env).map(esc).join(', ')}</p>${environmentIntro(env, prefix, `summary-${env.name}`)}</section>`;
        return `${intro}\n${environmentSections(data, e, prefix, agentIndex, view, counters)}`;
      })
      .join('\n');
  }
  header += '</header>';
  const audits = auditsSection(data, several);

  return (
    '<!DOCTYPE html>\n' +
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="generator" content="mesalab report"><title>${esc(data.title)}</title>\n<style>${CSS}${cellCss}</style></head>\n<body>\n` +
    `${header}\n<main>\n${audits}${sections}\n</main>\n` +
    '<footer>Made by mesalab from the data embedded in this page (<code>#report-data</code>, JSON): open nothing else, fetch nothing.</footer>\n' +
    `<script type="application/json" id="report-data">${embedJson(data)}</script>\n` +
    `<script type="application/json" id="report-view">${embedJson(view)}</script>\n` +
    `<script>(${replayPlayer.toString().replace(/<\/(script)/gi, '<\\/$1')})();</script>\n` +
    '</body></html>\n'
  );
}
