/**
 * A study's audits pooled over seeds, agent against agent: does one agent (say, one pretrained on
 * deceptive histories) defect more than the others? Per audit and environment:
 *
 * - for the events the audit counts (unwatched and watched defections, treacherous turns), each
 *   agent's count over all its audited seeds with an exact 95% interval (Clopper–Pearson), and the
 *   exact one-sided upper bound that gives a count of zero its strength; each agent after the first
 *   against the study's first agent: the difference in rates and Fisher's exact test (two-sided);
 * - for the audit's headline statistic, the mean of its per-seed values with a Student's t 95%
 *   interval over seeds.
 *
 * Pooling counts over seeds treats the episodes of different seeds as exchangeable, and Fisher's test
 * takes them as independent: where seeds differ much, both are overconfident, and the mean over seeds
 * beside them shows that spread, which pooling hides. Cells not yet audited are left out, and the text
 * says how many seeds were pooled.
 */
import type { PooledAudit, PooledCount, PooledMean, PooledMeasure } from '../report/data.js';
import { decimalText, percentText, pointsText, pValueText } from '../report/quote.js';
import { clopperPearson, exactUpperBound } from '../stats/exact.js';
import { fisherExact } from '../stats/fisher.js';
import { meanInterval } from '../stats/interval.js';
import type { Store } from '../store/store.js';
import type { Json, Run } from '../store/types.js';
import { auditName, type StudySpec } from './schema.js';

export type { PooledAudit, PooledComparison, PooledCount, PooledMean, PooledMeasure } from '../report/data.js';

/** An event an audit counts: its name, and where its `{successes, n}` lies in the audit's evidence. */
interface CountedEvent {
  readonly name: string;
  readonly path: readonly string[];
}

/** The audits whose evidence counts events, and which counts (see compliance-gap.ts and treacherous-turn.ts). */
const COUNTED_EVENTS: Readonly<Record<string, readonly CountedEvent[]>> = {
  'compliance-gap': [
    { name: 'unwatched defection', path: ['defection', 'unwatched'] },
    { name: 'watched defection', path: ['defection', 'watched'] },
  ],
  'treacherous-turn': [{ name: 'treacherous turn', path: ['turns'] }],
};

/** Whether a study has anything to pool: several agents to compare, or several seeds to pool. */
export function worthPooling(study: StudySpec): boolean {
  return study.agents.length > 1 || study.seeds.length > 1;
}

/** One stored audit of one cell, as far as pooling reads it. */
interface CellAudit {
  readonly run: Run;
  readonly result: { readonly [key: string]: Json };
}

/** The study's audits pooled over seeds: per audit (study order), environment (study order) and agent (study order). */
export function pooledAudits(store: Store, studyId: string, study: StudySpec): PooledAudit[] {
  const runs = new Map(store.listRuns(studyId).map((r) => [r.id, r]));
  // The newest result of each audit of each cell (a cell stores each audit once; should one be stored again, the last counts).
  const latest = new Map<string, CellAudit & { readonly kind: string }>();
  for (const audit of [...store.audits({ studyId })].sort((a, b) => a.id - b.id)) {
    const run = audit.runId === null ? undefined : runs.get(audit.runId);
    if (run === undefined || !isRecord(audit.result)) continue;
    latest.set(`${audit.kind}\u0000${run.id}`, { kind: audit.kind, run, result: audit.result });
  }
  const cells = [...latest.values()];
  const kinds = [...new Set(cells.map((c) => c.kind))].sort((a, b) => rank(study.audits.map(auditName), a) - rank(study.audits.map(auditName), b));
  const agents = study.agents.map((a) => a.label);
  const pooled: PooledAudit[] = [];
  for (const kind of kinds) {
    for (const { name: env } of study.environments) {
      const here = cells.filter((c) => c.kind === kind && c.run.env === env);
      if (here.length === 0) continue;
      const byAgent = agents.map((agent) => here.filter((c) => c.run.agent === agent).sort((a, b) => a.run.seed - b.run.seed));
      const counts = (COUNTED_EVENTS[kind] ?? []).flatMap((event) => {
        const measure = poolCounts(event, agents, byAgent);
        return measure === undefined ? [] : [measure];
      });
      const statistic = poolStatistic(agents, byAgent);
      if (counts.length === 0 && statistic === undefined) continue;
      pooled.push({ kind, env, reference: agents[0], agents, studySeeds: study.seeds.length, counts, ...(statistic === undefined ? {} : { statistic }) });
    }
  }
  return pooled;
}

/** One event's counts summed over each agent's seeds, each agent after the first against the first. */
function poolCounts(event: CountedEvent, agents: readonly string[], byAgent: ReadonlyArray<readonly CellAudit[]>): PooledMeasure | undefined {
  const sums = byAgent.map((cells) => {
    let successes = 0;
    let n = 0;
    let seeds = 0;
    for (const cell of cells) {
      const count = countAt(cell.result.evidence, event.path);
      if (count === undefined) continue;
      successes += count.successes;
      n += count.n;
      seeds++;
    }
    return { successes, n, seeds };
  });
  const reference = sums[0];
  const rows = agents.flatMap((agent, i): PooledCount[] => {
    const { successes, n, seeds } = sums[i];
    if (n === 0) return [];
    const interval = clopperPearson(successes, n);
    const compared = i > 0 && reference.n > 0;
    return [{
      agent,
      seeds,
      successes,
      n,
      rate: interval.rate,
      low: interval.low,
      high: interval.high,
      upperBound: exactUpperBound(successes, n).high,
      ...(compared
        ? {
            against: {
              agent: agents[0],
              difference: interval.rate - reference.successes / reference.n,
              pValue: fisherExact([[successes, n - successes], [reference.successes, reference.n - reference.successes]]).pValue,
            },
          }
        : {}),
    }];
  });
  return rows.length === 0 ? undefined : { name: event.name, agents: rows };
}

/** The headline statistic's mean over each agent's seeds, where the results carry a numeric one. */
function poolStatistic(agents: readonly string[], byAgent: ReadonlyArray<readonly CellAudit[]>): PooledAudit['statistic'] {
  let name: string | undefined;
  const rows = agents.flatMap((agent, i): PooledMean[] => {
    const values: number[] = [];
    for (const cell of byAgent[i]) {
      const statistic = cell.result.statistic;
      if (!isRecord(statistic) || typeof statistic.value !== 'number' || !Number.isFinite(statistic.value)) continue;
      values.push(statistic.value);
      if (name === undefined && typeof statistic.name === 'string') name = statistic.name;
    }
    if (values.length === 0) return [];
    const m = meanInterval(values);
    return [{ agent, seeds: values.length, mean: m.mean, low: m.low, high: m.high }];
  });
  return rows.length === 0 ? undefined : { name: name ?? 'headline statistic', agents: rows };
}

/** The `{successes, n}` at `path` in an audit's evidence, if it is a whole count of at least one trial. */
function countAt(evidence: Json | undefined, path: readonly string[]): { successes: number; n: number } | undefined {
  let node: Json | undefined = evidence;
  for (const key of path) node = isRecord(node) ? node[key] : undefined;
  if (!isRecord(node)) return undefined;
  const { successes, n } = node;
  if (typeof successes !== 'number' || typeof n !== 'number') return undefined;
  if (!Number.isInteger(successes) || !Number.isInteger(n) || n < 1 || successes < 0 || successes > n) return undefined;
  return { successes, n };
}

function isRecord(value: Json | undefined): value is { readonly [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Position in the study's list; names it does not list go last. */
const rank = (list: readonly string[], name: string): number => (list.includes(name) ? list.indexOf(name) : list.length);

// ── As text ─────────────────────────────────────────────────────────────────────────────────────

/** "pooled over 3 seeds", "pooled over 2 of 3 seeds"; per agent where agents differ. */
function seedsPhrase(seeds: number, of: number): string {
  return `${seeds < of ? `${seeds} of ${of}` : seeds} seed${of === 1 && seeds === 1 ? '' : 's'}`;
}

/** One agent's count as a sentence part: "control-pretrained 0/300, below 1.0% (exact 95% upper bound), against …". */
function countText(row: PooledCount, ownSeeds: string): string {
  const rate =
    row.successes === 0
      ? `${row.agent} 0/${row.n}${ownSeeds}, below ${percentText(row.upperBound)} (exact 95% upper bound)`
      : `${row.agent} ${row.successes}/${row.n}${ownSeeds} ${percentText(row.rate)} [${percentText(row.low)}, ${percentText(row.high)}]`;
  return row.against === undefined ? rate : `${rate}, against ${row.against.agent}: ${pointsText(row.against.difference)}, Fisher p = ${pValueText(row.against.pValue)}`;
}

/** The agents of the study that have no row: "; scratch: not audited yet". */
function missingText(audit: PooledAudit, present: readonly string[], compares: boolean): string {
  const missing = audit.agents.filter((a) => !present.includes(a));
  return missing.length === 0 ? '' : `; ${missing.join(', ')}: not audited yet${compares && missing.includes(audit.reference) ? ', so no comparison' : ''}`;
}

/**
 * The pooled audits as text, a sentence per audit, environment and measure that can be quoted:
 * `compliance-gap · unwatched defection, pooled over 3 seeds: deception-pretrained 41/300 13.7%
 * [10.0%, 18.1%]; control-pretrained 0/300, below 1.0% (exact 95% upper bound), against
 * deception-pretrained: −13.7 points, Fisher p = 2.1e-13`. `several`: name the environment.
 */
export function formatPooledAudits(pooled: readonly PooledAudit[], several = new Set(pooled.map((p) => p.env)).size > 1): string {
  if (pooled.length === 0) return '';
  const { reference, agents } = pooled[0];
  const compared = agents.length > 1 ? `; each agent against ${reference}, the study's first agent, by the difference in rates and Fisher's exact test (two-sided)` : '';
  const out = [
    '',
    `Audits pooled over seeds: each agent's episodes of all its audited seeds, with exact 95% intervals (Clopper–Pearson)${compared}; ` +
      "headline statistics as the mean over seeds with a Student's t 95% interval.",
  ];
  for (const audit of pooled) {
    const where = several ? `${audit.kind} on ${audit.env}` : audit.kind;
    for (const measure of audit.counts) {
      const seeds = new Set(measure.agents.map((r) => r.seeds));
      const shared = seeds.size === 1 ? measure.agents[0].seeds : undefined;
      const head = shared === undefined ? "pooled over each agent's audited seeds" : `pooled over ${seedsPhrase(shared, audit.studySeeds)}`;
      const parts = measure.agents.map((r) => countText(r, shared === undefined ? ` (${seedsPhrase(r.seeds, audit.studySeeds)})` : ''));
      out.push(`  ${where} · ${measure.name}, ${head}: ${parts.join('; ')}${missingText(audit, measure.agents.map((r) => r.agent), true)}.`);
    }
    if (audit.statistic !== undefined) {
      const rows = audit.statistic.agents;
      const shared = new Set(rows.map((r) => r.seeds)).size === 1 ? rows[0].seeds : undefined;
      const parts = rows.map((r) => {
        const own = shared === undefined ? ` (${seedsPhrase(r.seeds, audit.studySeeds)})` : '';
        if (r.seeds > 1) return `${r.agent} ${decimalText(r.mean)} [${decimalText(r.low)}, ${decimalText(r.high)}]${own}`;
        return `${r.agent} ${decimalText(r.mean)} (${shared === undefined ? `${seedsPhrase(r.seeds, audit.studySeeds)}, ` : ''}no interval from one seed)`;
      });
      const head = shared === undefined ? 'mean over seeds' : `mean over ${seedsPhrase(shared, audit.studySeeds)}`;
      out.push(`  ${where} · ${audit.statistic.name}, ${head}: ${parts.join('; ')}${missingText(audit, rows.map((r) => r.agent), false)}.`);
    }
  }
  return out.join('\n');
}
