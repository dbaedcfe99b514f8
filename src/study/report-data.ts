/**
 * A study's report data, read from the run store, a part per environment: learning curves from the
 * metrics rows, per split means with 95% intervals from the evaluation episodes, heatmaps from the
 * trajectories' visited cells over the level as a fresh environment draws it, replays from the
 * recorded frames (with the per-step rewards recovered by replaying the recorded actions from the
 * episode's seed: the environment is deterministic given both), and the board legend from what
 * each render character marks in the observation planes.
 */
import { Env, type Observation } from '../engine/env.js';
import type { Params } from '../engine/knobs.js';
import type { Curve, EnvironmentReport, EpisodeReplay, Heatmap, Interval, LegendEntry, ReportData, SplitResult } from '../report/data.js';
import { getEnvSpec } from '../registry.js';
import type { MeanInterval } from '../stats/interval.js';
import type { Store } from '../store/store.js';
import type { Episode, Run, Study } from '../store/types.js';
import { EVAL_SEED_BASE } from '../train/evaluate.js';
import { setupFor, type RunConfig } from '../train/run.js';
import { pooledAudits, worthPooling } from './pooled.js';
import { groupEpisodes, studyAudits, summariseGroup, type EpisodeGroup } from './results.js';
import { knobPairs, readStoredStudy, type EnvironmentPlan, type StudySpec } from './schema.js';
import { agentCell, agentPlane } from './trace.js';

/** Episodes whose start board goes into the legend, per split, beside the replays' every step. */
const LEGEND_SAMPLES = 3;

export function buildReportData(store: Store, study: Study): ReportData {
  const spec = readStoredStudy(study);
  const runs = store.listRuns(study.id);
  const groups = groupEpisodes(store, study.id, spec);
  return {
    title: spec.title ?? `${spec.name}: ${spec.environments.map((e) => e.name).join(', ')}`,
    study: { id: study.id, name: study.name, description: spec.description, createdAt: study.createdAt },
    audits: studyAudits(store, study.id, spec),
    ...(worthPooling(spec) ? { pooled: pooledAudits(store, study.id, spec) } : {}),
    environments: spec.environments.map((plan) =>
      environmentReport(store, spec, plan, runs.filter((r) => r.env === plan.name), groups.filter((g) => g.env === plan.name)),
    ),
  };
}

/** Everything the report shows of one environment, from its cells' runs and their episodes. */
function environmentReport(store: Store, spec: StudySpec, plan: EnvironmentPlan, runs: readonly Run[], groups: readonly EpisodeGroup[]): EnvironmentReport {
  const envSpec = getEnvSpec(plan.name);
  const legend = new LegendBuilder();
  for (const split of plan.evaluate.splits) {
    const env = envFor(plan, runs, split);
    for (let e = 0; e < LEGEND_SAMPLES; e++) legend.see(env, env.reset(EVAL_SEED_BASE + e).observation);
  }
  const replays = spec.report.replays > 0 ? buildReplays(store, spec, plan, runs, legend) : [];
  return {
    name: envSpec.name,
    objectives: envSpec.objectives.map((o) => ({ name: o.name, intended: o.intended === true, description: o.description })),
    curves: buildCurves(store, runs),
    splits: groups.map((g): SplitResult => {
      const s = summariseGroup(g);
      return {
        agent: s.agent,
        split: s.split,
        ...(s.oversight === undefined ? {} : { oversight: s.oversight }),
        episodes: s.episodes,
        return: interval(s.return),
        performance: interval(s.performance),
        objectives: Object.fromEntries(s.objectives.map((o) => [o.name, interval(o.total)])),
      };
    }),
    heatmaps: spec.report.heatmaps ? buildHeatmaps(store, spec, plan, runs) : [],
    replays,
    legend: legend.entries(),
  };
}

const interval = (m: MeanInterval): Interval => ({ mean: m.mean, low: m.low, high: m.high, n: m.n });

/** One curve per run: its mean episode return and hidden performance at each logged step where episodes had ended. */
function buildCurves(store: Store, runs: readonly Run[]): Curve[] {
  const curves: Curve[] = [];
  for (const run of [...runs].sort((a, b) => a.agent.localeCompare(b.agent) || a.seed - b.seed)) {
    const points = store.metrics(run.id).flatMap((row) => {
      const { return: ret, performance } = row.values;
      return typeof ret === 'number' && typeof performance === 'number' ? [{ steps: row.step, return: ret, performance }] : [];
    });
    if (points.length > 0) curves.push({ agent: run.agent, seed: run.seed, points });
  }
  return curves;
}

/** The environment an evaluation split was played in (knobs as the environment's cells used them). */
function envFor(plan: EnvironmentPlan, runs: readonly Run[], split: string): Env<Params> {
  const config = (runs[0]?.config as unknown as RunConfig | undefined) ?? { env: plan.name, split: plan.train.split, set: [], algo: '', hyperparameters: {}, seed: 0, steps: 1, gamma: 1, rewardHorizon: 0 };
  const { spec: envSpec, setup } = setupFor(config, split, knobPairs(plan.evaluate.set));
  return new Env(envSpec, setup.params, split);
}

/** Visits per cell, per agent and split, over all its seeds' episodes, drawn over the level at the first evaluation seed. */
function buildHeatmaps(store: Store, spec: StudySpec, plan: EnvironmentPlan, runs: readonly Run[]): Heatmap[] {
  const heatmaps: Heatmap[] = [];
  for (const agent of spec.agents) {
    const mine = runs.filter((r) => r.agent === agent.label);
    for (const split of plan.evaluate.splits) {
      const env = envFor(plan, runs, split);
      const { width, height } = env.shape;
      const counts = new Array<number>(width * height).fill(0);
      let visits = 0;
      for (const run of mine) {
        for (const episode of store.episodes(run.id, split)) {
          const cells = store.trajectory(episode.id)?.cells;
          if (cells == null) continue;
          for (const cell of cells) if (cell >= 0 && cell < counts.length) counts[cell]++;
          visits += cells.length;
        }
      }
      if (visits === 0) continue;
      const { observation } = env.reset(EVAL_SEED_BASE);
      const rows = env.render().split('\n');
      // The level without the agent: its start cell shows the floor.
      const plane = agentPlane(env.shape);
      const start = plane < 0 ? -1 : agentCell(observation.planes, plane, width * height);
      if (start >= 0) {
        const [y, x] = [Math.floor(start / width), start % width];
        rows[y] = `${rows[y].slice(0, x)} ${rows[y].slice(x + 1)}`;
      }
      heatmaps.push({ agent: agent.label, split, width, height, counts, background: rows });
    }
  }
  return heatmaps;
}

/** Per agent and split, the recorded episodes of its lowest seed that has them, up to `report.replays`. */
function buildReplays(store: Store, spec: StudySpec, plan: EnvironmentPlan, runs: readonly Run[], legend: LegendBuilder): EpisodeReplay[] {
  const replays: EpisodeReplay[] = [];
  for (const agent of spec.agents) {
    const mine = runs.filter((r) => r.agent === agent.label).sort((a, b) => a.seed - b.seed);
    for (const split of plan.evaluate.splits) {
      for (const run of mine) {
        const recorded = store.episodes(run.id, split).flatMap((episode) => {
          const trajectory = store.trajectory(episode.id);
          return trajectory?.frames ? [{ episode, frames: trajectory.frames, actions: Array.from(trajectory.actions) }] : [];
        });
        if (recorded.length === 0) continue;
        for (const { episode, frames, actions } of recorded.slice(0, spec.report.replays)) {
          replays.push(replay(envFor(plan, runs, split), run, episode, frames, actions, legend));
        }
        break;
      }
    }
  }
  return replays;
}

function replay(env: Env<Params>, run: Run, episode: Episode, frames: readonly string[], actions: readonly number[], legend: LegendBuilder): EpisodeReplay {
  let { observation } = env.reset(episode.seed);
  legend.see(env, observation);
  const rewards: number[] = [];
  const performance: number[] = [];
  for (const action of actions) {
    if (env.finished) break;
    const step = env.step(action);
    observation = step.observation;
    legend.see(env, observation);
    rewards.push(step.reward);
    performance.push(step.info.performance);
  }
  const oversight = episode.oversight === 'none' ? '' : ` · ${episode.oversight}`;
  return {
    agent: run.agent,
    split: episode.split,
    seed: episode.seed,
    label: `trained with seed ${run.seed} · return ${round(episode.return)}, performance ${round(episode.performance)}${oversight}`,
    frames: frames.map((f) => f.split('\n')),
    actions: actions.map((a) => env.spec.actions[a]?.name ?? String(a)),
    rewards,
    performance,
  };
}

const round = (x: number): string => String(Math.round(x * 100) / 100);

/**
 * What each board character stands for, learned from boards and their observations: the planes set
 * in every cell where the character appears (`S` → strawberry, red). Named after the first such plane,
 * with the others in brackets; a character that marks no plane is the floor.
 */
class LegendBuilder {
  private readonly planes = new Map<string, Set<string>>();
  private readonly order: string[] = [];

  /** The board `env` draws now, and `observation`, its observation now. */
  see(env: Env<Params>, observation: Observation): void {
    const { channels, width, height } = env.shape;
    const cells = width * height;
    env.render().split('\n').forEach((row, y) => {
      for (let x = 0; x < row.length; x++) {
        const char = row[x];
        const on = new Set<string>();
        channels.forEach((name, c) => {
          if (observation.planes[c * cells + y * width + x] > 0) on.add(name);
        });
        const known = this.planes.get(char);
        if (known === undefined) {
          this.planes.set(char, on);
          this.order.push(char);
        } else for (const name of known) if (!on.has(name)) known.delete(name);
      }
    });
  }

  entries(): Record<string, LegendEntry> {
    const out: Record<string, LegendEntry> = {};
    const rank = (c: string) => (c === '#' ? 0 : c === ' ' ? 1 : 2);
    for (const char of [...this.order].sort((a, b) => rank(a) - rank(b))) {
      const [first, ...rest] = [...this.planes.get(char)!];
      out[char] = { label: first === undefined ? 'floor' : rest.length > 0 ? `${first} (${rest.join(', ')})` : first };
    }
    return out;
  }
}

