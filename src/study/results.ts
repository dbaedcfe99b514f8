/**
 * A study's result: per environment, agent and evaluation split, for every candidate objective of
 * the environment, how often the agent pursued it (its episode total was > 0; a share of episodes
 * with a 95% Wilson interval) and its mean episode total (with a 95% Student's t interval). Episodes
 * of all seeds are pooled. A split that mixes watched and unwatched episodes is shown as two.
 */
import { table } from '../cli/table.js';
import { getEnvSpec } from '../registry.js';
import { meanInterval, wilsonInterval, type MeanInterval, type ProportionInterval } from '../stats/interval.js';
import type { Store } from '../store/store.js';
import type { Episode, Run } from '../store/types.js';
import type { AuditLine } from '../report/data.js';
import { auditName, type StudySpec } from './schema.js';

/** The episodes of one agent on one split of one environment (and one oversight, where the split mixes them), over its seeds. */
export interface EpisodeGroup {
  readonly env: string;
  readonly agent: string;
  readonly split: string;
  readonly oversight?: 'watched' | 'unwatched';
  readonly runs: readonly Run[];
  readonly episodes: readonly Episode[];
}

export interface ObjectiveResult {
  readonly name: string;
  readonly intended: boolean;
  /** Share of episodes in which the objective's total was > 0. */
  readonly pursued: ProportionInterval;
  readonly total: MeanInterval;
}

export interface SplitOutcome {
  readonly env: string;
  readonly agent: string;
  readonly split: string;
  readonly oversight?: 'watched' | 'unwatched';
  readonly seeds: number;
  readonly episodes: number;
  readonly return: MeanInterval;
  readonly performance: MeanInterval;
  readonly objectives: readonly ObjectiveResult[];
}

/** Episodes grouped by environment, then agent, then split (each in study order), then oversight. */
export function groupEpisodes(store: Store, studyId: string, study: StudySpec): EpisodeGroup[] {
  const runs = store.listRuns(studyId);
  const groups: EpisodeGroup[] = [];
  for (const plan of study.environments) {
    const env = plan.name;
    for (const agent of study.agents) {
      const mine = runs.filter((r) => r.env === env && r.agent === agent.label).sort((a, b) => a.seed - b.seed);
      for (const split of plan.evaluate.splits) {
        const episodes = mine.flatMap((r) => store.episodes(r.id, split));
        if (episodes.length === 0) continue;
        const watched = episodes.filter((e) => e.oversight === 'watched');
        const unwatched = episodes.filter((e) => e.oversight === 'unwatched');
        if (watched.length > 0 && unwatched.length > 0) {
          groups.push({ env, agent: agent.label, split, oversight: 'watched', runs: mine, episodes: watched });
          groups.push({ env, agent: agent.label, split, oversight: 'unwatched', runs: mine, episodes: unwatched });
        } else groups.push({ env, agent: agent.label, split, runs: mine, episodes });
      }
    }
  }
  return groups;
}

/** A group's statistics, over the candidate objectives of its environment. */
export function summariseGroup(group: EpisodeGroup): SplitOutcome {
  const episodes = group.episodes;
  return {
    env: group.env,
    agent: group.agent,
    split: group.split,
    ...(group.oversight === undefined ? {} : { oversight: group.oversight }),
    seeds: new Set(episodes.map((e) => e.runId)).size,
    episodes: episodes.length,
    return: meanInterval(episodes.map((e) => e.return)),
    performance: meanInterval(episodes.map((e) => e.performance)),
    objectives: getEnvSpec(group.env).objectives.map((o) => {
      const totals = episodes.map((e) => e.objectives[o.name] ?? 0);
      return {
        name: o.name,
        intended: o.intended === true,
        pursued: wilsonInterval(totals.filter((t) => t > 0).length, totals.length),
        total: meanInterval(totals),
      };
    }),
  };
}

export function studyOutcomes(store: Store, studyId: string, study: StudySpec): SplitOutcome[] {
  return groupEpisodes(store, studyId, study).map(summariseGroup);
}

const percent = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');
const fixed = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');

/**
 * The result as text: one table per agent and split; where the study has several environments,
 * under a heading per environment, since each has its own splits and candidate objectives.
 */
export function formatOutcomes(outcomes: readonly SplitOutcome[]): string {
  if (outcomes.length === 0) return 'No evaluation episodes recorded yet.';
  const environments = [...new Set(outcomes.map((o) => o.env))];
  const several = environments.length > 1;
  const out = [
    `What the agents pursued, per ${several ? 'environment and ' : ''}split (★ the intended objective). An objective counts as pursued in an episode when`,
    'its episode total is > 0; 95% intervals: Wilson for the share of episodes, Student\'s t for the mean total.',
  ];
  outcomes.forEach((o, i) => {
    if (several && o.env !== outcomes[i - 1]?.env) out.push('', `${o.env} (environment ${environments.indexOf(o.env) + 1} of ${environments.length})`);
    const perSeed = o.seeds > 0 && o.episodes % o.seeds === 0 ? ` (${o.seeds} seed${o.seeds === 1 ? '' : 's'} × ${o.episodes / o.seeds})` : ` (${o.seeds} seeds)`;
    out.push('', `${o.split}${o.oversight === undefined ? '' : ` (${o.oversight})`} · ${o.agent} · ${o.episodes} episodes${perSeed}`);
    const rows = o.objectives.map((r) => [
      `${r.intended ? '★' : ' '} ${r.name}`,
      percent(r.pursued.rate),
      `[${percent(r.pursued.low)}, ${percent(r.pursued.high)}]`,
      fixed(r.total.mean),
      `[${fixed(r.total.low)}, ${fixed(r.total.high)}]`,
    ]);
    out.push(indent(table(['objective', 'pursued', '95% interval', 'mean total', '95% interval'], rows, [false, true, true, true, true])));
  });
  return out.join('\n');
}

function indent(text: string): string {
  return text.split('\n').map((l) => `  ${l}`).join('\n');
}

/** One stored audit of a study's cell, as the result and the report show it. */
export type AuditVerdict = AuditLine;

const round = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(4)) : x);

/** `name: value [low, high], p = …` of a stored result's statistic. */
function statisticLine(statistic: unknown): string {
  if (statistic === null || typeof statistic !== 'object') return '';
  const s = statistic as { name?: unknown; value?: unknown; low?: unknown; high?: unknown; pValue?: unknown };
  const interval = s.low === undefined ? '' : ` [${round(s.low)}, ${round(s.high)}]`;
  const p = s.pValue === undefined ? '' : `, p = ${round(s.pValue)}`;
  return `${String(s.name)}: ${round(s.value)}${interval}${p}`;
}

/** The study's stored audits (beyond evaluation), in study order: audit, then environment, agent and seed. */
export function studyAudits(store: Store, studyId: string, study: StudySpec): AuditVerdict[] {
  const runs = new Map(store.listRuns(studyId).map((r) => [r.id, r]));
  const verdicts = store.audits({ studyId }).flatMap((a): AuditVerdict[] => {
    const run = a.runId === null ? undefined : runs.get(a.runId);
    const result = a.result as { verdict?: unknown; flagged?: unknown; statistic?: unknown; evidence?: unknown };
    if (run === undefined || typeof result.verdict !== 'string') return [];
    return [{
      kind: a.kind, env: run.env, agent: run.agent, seed: run.seed, flagged: typeof result.flagged === 'boolean' ? result.flagged : null, verdict: result.verdict,
      statistic: statisticLine(result.statistic), evidence: result.evidence ?? null,
    }];
  });
  const order = (list: readonly string[], x: string) => list.indexOf(x);
  const envs = study.environments.map((e) => e.name);
  const agents = study.agents.map((a) => a.label);
  const auditNames = study.audits.map(auditName);
  return verdicts.sort(
    (a, b) => order(auditNames, a.kind) - order(auditNames, b.kind) || order(envs, a.env) - order(envs, b.env) || order(agents, a.agent) - order(agents, b.agent) || a.seed - b.seed,
  );
}

/** The audits as text: per audit, one verdict line per cell. */
export function formatAudits(verdicts: readonly AuditVerdict[], several: boolean): string {
  if (verdicts.length === 0) return '';
  const out: string[] = [];
  for (const kind of [...new Set(verdicts.map((v) => v.kind))]) {
    out.push('', `Audit ${kind}:`);
    for (const v of verdicts.filter((x) => x.kind === kind)) {
      const flag = v.flagged === true ? 'FLAGGED' : v.flagged === false ? 'passed' : 'inconclusive';
      out.push(`  ${v.agent} seed ${v.seed}${several ? ` on ${v.env}` : ''} · ${flag} · ${v.verdict}`);
    }
  }
  return out.join('\n');
}
