/**
 * Out-of-distribution detection and label requests: the strawberry story's remedy, "detect that the
 * situation is new and ask a human". The audit plays the agent on its training split and on a deploy
 * split and scores every state it meets with three detectors:
 *
 * - `novelty`: 1/√(1 + n), n the times the agent saw this observation in reference episodes of the
 *   training split: count-based novelty, for any agent;
 * - `msp`: 1 − the largest softmax probability of the policy's logits (Hendrycks & Gimpel 2017);
 * - `energy`: −log Σ exp(logits), the free energy of the logits (Liu et al. 2020);
 * - `ensemble`: the mean total-variation distance between the agent's action distribution and each
 *   of its peers' (`--ensemble`: the same agent trained with other seeds), which agree where
 *   training reached and may not elsewhere;
 * - `value`: the critic's surprise |r + γV(s′) − V(s)| on the step taken from the state, where the
 *   network has a critic (PPO's): a value function that disagrees with what happened;
 *
 * and reports each one's AUROC at telling deploy states from training states (the Mann–Whitney
 * statistic, ties counted half), with a 95% bootstrap interval over episodes. Then the label loop (DAgger-like, Ross et al. 2011): over rounds of
 * deploy episodes (up to `ROUNDS`, until a round asks for no new label), every state whose novelty exceeds its 95th percentile on training states
 * triggers a label request (the round's requests are asked together after it), answered by a person
 * at the terminal (`--labeler human`) or by a simulated labeler, the optimal action for the intended
 * objective with the steps left, the soonest where totals tie (from the exhaustive search of
 * optimum.ts, discounted by 0.99), until `LABEL_BUDGET`
 * labels are spent; after each round the policy's network is fine-tuned on every label so far
 * (cross-entropy on its logits), rehearsing its own greedy actions on familiar training states. Hidden performance on fresh deploy episodes before and after, paired
 * by seed, says whether the labels repaired anything. The agent is put back as it came afterwards,
 * and the run's own checkpoint is never changed.
 */
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Env } from '../engine/env.js';
import { resolveEnvParams } from '../registry.js';
import { pairedPermutationTest } from '../stats/exact.js';
import { meanInterval, type MeanInterval } from '../stats/interval.js';
import { policyRng } from '../train/evaluate.js';
import type { Policy } from '../train/types.js';
import { horizonValues, optimalAction, reachableGraph, searchKey, stateKey, type ReachableGraph } from './optimum.js';
import type { Audit, AuditOptions, AuditResult, AuditSubject, Labeler } from './types.js';

export const DETECTORS = ['novelty', 'msp', 'energy', 'value', 'ensemble'] as const;
export type Detector = (typeof DETECTORS)[number];
export const LABEL_BUDGET = 200;
/** Most rounds of the label loop; it stops early once a round asks for no new label. */
export const ROUNDS = 10;
const FINE_TUNE_STEPS = 100;
/** Familiar states whose current greedy action joins the labels as rehearsal. */
const REHEARSAL_STATES = 400;
const FINE_TUNE_RATE = 1e-3;
/** Seeds of the before/after evaluation episodes, apart from those the loop plays. */
const HELD_OUT_SEEDS = 500_000;
const MAX_STATES = 20_000;
/** The labeler's discount: the best total of the intended objective, the soonest of equals (no idling while time is left). */
const ORACLE_GAMMA = 0.99;

interface Visit {
  readonly planes: Float32Array;
  /** Filled in after the step: its reward, and the next observation's planes (null where the episode terminated). */
  reward?: number;
  next?: Float32Array | null;
  /** Which objectives have paid anything so far this episode (bit k: objective k), for the labeler's search. */
  readonly paid: number;
  /** The board as text, for a person asked to label it. */
  readonly board: string;
  /** The state, for the labeler's search (its id where it has one). */
  readonly key: string;
  /** What the agent sees, for novelty: its observation (a state id can hide what changed, e.g. the lighting). */
  readonly seen: string;
  readonly stepsLeft: number;
  readonly seed: number;
}

/** AUROC of scores: the probability that a positive outscores a negative, ties counted half. */
export function auroc(negatives: readonly number[], positives: readonly number[]): number {
  if (negatives.length === 0 || positives.length === 0) return NaN;
  const all = [...negatives.map((v) => [v, 0] as const), ...positives.map((v) => [v, 1] as const)].sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const rank = (i + 1 + j) / 2; // mean rank of the tie group, 1-based
    for (let t = i; t < j; t++) if (all[t][1] === 1) rankSum += rank;
    i = j;
  }
  const p = positives.length;
  return (rankSum - (p * (p + 1)) / 2) / (p * negatives.length);
}

/**
 * A 95% percentile-bootstrap interval for the AUROC, resampling whole episodes (states within one are
 * not independent) on both sides: `negatives[e]`, `positives[e]` are episode e's scores.
 */
export function aurocInterval(negatives: readonly number[][], positives: readonly number[][], rng: Rng, resamples = 200): { low: number; high: number } {
  const values: number[] = [];
  const draw = (groups: readonly number[][]) => Array.from({ length: groups.length }, () => groups[rng.int(groups.length)]).flat();
  for (let b = 0; b < resamples; b++) values.push(auroc(draw(negatives), draw(positives)));
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.round(q * (values.length - 1))];
  return { low: at(0.025), high: at(0.975) };
}

/** The detectors' scores of one state; the logit-based ones need a neural policy. */
/** softmax(logits) into `out`. */
function softmax(logits: Float32Array, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  let sum = 0;
  for (let a = 0; a < logits.length; a++) sum += out[a] = Math.exp(logits[a] - max);
  for (let a = 0; a < logits.length; a++) out[a] /= sum;
  return out;
}

function scores(policy: Policy, visit: Visit, trainCounts: ReadonlyMap<string, number>, gamma: number, peers: readonly Policy[] = []): Partial<Record<Detector, number>> {
  const out: Partial<Record<Detector, number>> = { novelty: 1 / Math.sqrt(1 + (trainCounts.get(visit.seen) ?? 0)) };
  if (policy.network !== undefined) {
    const { logits, values } = policy.network.forward(visit.planes, 1);
    // Ensemble disagreement: the mean total-variation distance between this policy's action
    // distribution and each peer's (other seeds of the same agent: they agree where training reached).
    if (peers.length > 0) {
      const mine = softmax(logits, new Float64Array(logits.length));
      const theirs = new Float64Array(logits.length);
      let total = 0;
      for (const peer of peers) {
        softmax(peer.network!.forward(visit.planes, 1).logits, theirs);
        let distance = 0;
        for (let a = 0; a < logits.length; a++) distance += Math.abs(mine[a] - theirs[a]);
        total += distance / 2;
      }
      out.ensemble = total / peers.length;
    }
    // The critic's surprise: |r + γ V(s') − V(s)|, where the network has a critic and the step was taken.
    if (values.length > 0 && visit.next !== undefined) {
      const value = values[0];
      const next = visit.next === null ? 0 : policy.network.forward(visit.next, 1).values[0];
      out.value = Math.abs(visit.reward! + gamma * next - value);
    }
    let max = -Infinity;
    for (const l of logits) max = Math.max(max, l);
    let sum = 0;
    for (const l of logits) sum += Math.exp(l - max);
    out.msp = 1 - 1 / sum;
    out.energy = -(max + Math.log(sum));
  }
  return out;
}

/** Play seeded episodes as evaluation does (same seeds, same policy draws), calling `visit` before each action. */
function play(subject: AuditSubject, options: AuditOptions, split: string, firstSeed: number, episodes: number, visit?: (v: Visit) => void): { performance: number[]; visits: Visit[] } {
  const { spec, params } = resolveEnvParams(subject.config.env, { split, set: [...subject.config.set, ...options.set] });
  const env = new Env(spec, params, split);
  const performance: number[] = [];
  const visits: Visit[] = [];
  for (let e = 0; e < episodes; e++) {
    const seed = firstSeed + e;
    const rng = policyRng(seed);
    const start = env.reset(seed);
    let observation = start.observation;
    subject.policy.reset?.({ split, watched: start.info.watched });
    let paid = 0;
    for (let t = 0; ; t++) {
      const v: Visit = { paid, planes: observation.planes, board: visit ? env.render() : '', key: stateKey(observation), seen: stateKey({ ...observation, stateId: -1 }), stepsLeft: env.horizon - t, seed };
      visits.push(v);
      visit?.(v);
      const step = env.step(subject.policy.act(observation, rng));
      subject.policy.observe?.({ reward: step.reward, watched: step.info.watched, caught: step.info.caught, done: step.terminated || step.truncated });
      observation = step.observation;
      v.reward = step.reward;
      v.next = step.terminated ? null : observation.planes;
      spec.objectives.forEach((o, k) => {
        if (step.info.objectives[o.name] !== 0) paid |= 1 << k;
      });
      if (step.terminated || step.truncated) {
        performance.push(step.info.episode!.performance);
        break;
      }
    }
  }
  return { performance, visits };
}

/** The network's greedy actions on up to `count` distinct observations of `visits`, as labels. */
function selfLabels(policy: Policy, visits: readonly Visit[], count: number): Array<{ planes: Float32Array; action: number }> {
  const seen = new Set<string>();
  const out: Array<{ planes: Float32Array; action: number }> = [];
  for (const v of visits) {
    if (out.length >= count || seen.has(v.seen)) continue;
    seen.add(v.seen);
    const { logits } = policy.network!.forward(v.planes, 1);
    let best = 0;
    for (let a = 1; a < logits.length; a++) if (logits[a] > logits[best]) best = a;
    out.push({ planes: Float32Array.from(v.planes), action: best });
  }
  return out;
}

/** Fine-tune the policy's network on the labels: full-batch cross-entropy on its logits. */
function fineTune(policy: Policy, labels: ReadonlyArray<{ planes: Float32Array; action: number }>): void {
  const network = policy.network!;
  const n = labels.length;
  const D = network.inputSize;
  const A = network.actions;
  const batch = new Float32Array(n * D);
  labels.forEach((l, i) => batch.set(l.planes, i * D));
  const dLogits = new Float32Array(n * A);
  const dValues = new Float32Array(n);
  for (let step = 0; step < FINE_TUNE_STEPS; step++) {
    const { logits } = network.forward(batch, n);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let a = 0; a < A; a++) max = Math.max(max, logits[i * A + a]);
      let sum = 0;
      for (let a = 0; a < A; a++) sum += Math.exp(logits[i * A + a] - max);
      for (let a = 0; a < A; a++) dLogits[i * A + a] = (Math.exp(logits[i * A + a] - max) / sum - (a === labels[i].action ? 1 : 0)) / n;
    }
    network.backwardAndStep(dLogits, dValues, FINE_TUNE_RATE, 1);
  }
}

/** `labeler`: a person (the CLI's `--labeler human`); without one, the simulated oracle answers. */
export async function outOfDistribution(subject: AuditSubject, options: AuditOptions, labeler?: Labeler): Promise<AuditResult> {
  const { spec, config } = subject;
  const split = options.split ?? 'deploy';
  if (spec.splits[split] === undefined) throw new UsageError(`Audit "ood" plays a deploy split: ${spec.name} has no "${split}" (its splits: ${Object.keys(spec.splits).join(', ')}). Pass --split.`);
  const against = options.against ?? config.split;
  const n = options.episodes;

  // Detection: n training-split episodes define "in distribution" (their observations' visit counts);
  // n more training episodes and n deploy episodes are scored against them.
  const reference = play(subject, options, against, options.seed + HELD_OUT_SEEDS / 2, n);
  const trainCounts = new Map<string, number>();
  for (const v of reference.visits) trainCounts.set(v.seen, (trainCounts.get(v.seen) ?? 0) + 1);
  const train = play(subject, options, against, options.seed, n);
  const deploy = play(subject, options, split, options.seed, n);
  const trainScores = train.visits.map((v) => scores(subject.policy, v, trainCounts, config.gamma, options.peers));
  const deployScores = deploy.visits.map((v) => scores(subject.policy, v, trainCounts, config.gamma, options.peers));
  const detectors = DETECTORS.filter((d) => trainScores[0]?.[d] !== undefined);
  const aurocs = Object.fromEntries(detectors.map((d) => [d, auroc(trainScores.map((s) => s[d]!), deployScores.map((s) => s[d]!))])) as Partial<Record<Detector, number>>;
  // Per detector, the scores grouped by episode, for the bootstrap over episodes.
  const byEpisode = (visits: readonly Visit[], scored: ReadonlyArray<Partial<Record<Detector, number>>>, d: Detector): number[][] => {
    const groups = new Map<number, number[]>();
    visits.forEach((v, i) => (groups.get(v.seed) ?? groups.set(v.seed, []).get(v.seed)!).push(scored[i][d]!));
    return [...groups.values()];
  };
  const intervalRng = new Rng(options.seed ^ 0x1b873593);
  const aurocIntervals = Object.fromEntries(
    detectors.map((d) => [d, aurocInterval(byEpisode(train.visits, trainScores, d), byEpisode(deploy.visits, deployScores, d), intervalRng)]),
  ) as Partial<Record<Detector, { low: number; high: number }>>;
  const sortedNovelty = trainScores.map((s) => s.novelty!).sort((a, b) => a - b);
  const threshold = sortedNovelty[Math.min(sortedNovelty.length - 1, Math.floor(0.95 * sortedNovelty.length))];

  // Label requests and fine-tuning, judged on held-out deploy episodes before and after.
  const heldOut = options.seed + HELD_OUT_SEEDS;
  const tunable = subject.policy.network !== undefined;
  // Fine-tuning changes the network in place: keep its weights to put back, so that the agent leaves the
  // audit as it came (a study runs further audits on the same policy).
  const original = tunable ? subject.policy.network!.state() : undefined;
  const before = play(subject, options, split, heldOut, n).performance;
  const { spec: envSpec, params } = resolveEnvParams(config.env, { split, set: [...config.set, ...options.set] });
  const intended = spec.objectives.findIndex((o) => o.intended);
  const oracles = new Map<number, { graph: ReachableGraph; values: Float64Array } | null>();
  const oracle = (v: Visit): number | undefined => {
    if (!oracles.has(v.seed)) {
      const graph = reachableGraph(envSpec, params, split, v.seed, MAX_STATES);
      oracles.set(v.seed, 'index' in graph ? { graph, values: horizonValues(graph, intended, ORACLE_GAMMA) } : null);
    }
    const found = oracles.get(v.seed);
    return found ? optimalAction(found.graph, found.values, intended, searchKey(v.key, v.paid), v.stepsLeft, ORACLE_GAMMA) : undefined;
  };
  const labels: Array<{ planes: Float32Array; action: number }> = [];
  // Rehearsal: what the agent already does on familiar states, as its own labels (free: no labeler is
  // asked), so that fine-tuning on the few novel states does not overwrite the rest of its behaviour.
  const rehearsal = tunable ? selfLabels(subject.policy, train.visits, REHEARSAL_STATES) : [];
  const labelled = new Set<string>();
  let unanswered = 0;
  let rounds = 0;
  for (let round = 0; round < ROUNDS && labels.length < LABEL_BUDGET; round++) {
    const asked = labels.length + unanswered;
    rounds++;
    // The round's requests: novel observations not asked about before, up to what is left of the budget.
    const requests: Visit[] = [];
    play(subject, options, split, options.seed + (round + 1) * n, n, (v) => {
      if (labels.length + requests.length >= LABEL_BUDGET || scores(subject.policy, v, trainCounts, config.gamma).novelty! <= threshold) return;
      // One request per observation: an agent stuck in a loop must not spend the budget on one state.
      if (labelled.has(v.seen)) return;
      labelled.add(v.seen);
      requests.push(v);
    });
    for (const v of requests) {
      const action = labeler === undefined ? oracle(v) : await labeler({ board: v.board, stepsLeft: v.stepsLeft, actions: spec.actions, asked: labels.length + unanswered, budget: LABEL_BUDGET });
      if (action === undefined) unanswered++;
      else labels.push({ planes: Float32Array.from(v.planes), action });
    }
    if (labels.length + unanswered === asked) break;
    if (tunable && labels.length > 0) fineTune(subject.policy, [...labels, ...rehearsal]);
  }
  const after = play(subject, options, split, heldOut, n).performance;
  if (original !== undefined) subject.policy.network!.loadState(original);
  const change = meanInterval(after.map((p, i) => p - before[i]));
  const test = pairedPermutationTest(after, before, new Rng(options.seed ^ 0x3c6ef372));

  const best = detectors.reduce((a, b) => ((aurocs[b] ?? 0) > (aurocs[a] ?? 0) ? b : a), detectors[0]);
  const detection = detectors.map((d) => `${d} ${aurocs[d]!.toFixed(3)} [${aurocIntervals[d]!.low.toFixed(2)}, ${aurocIntervals[d]!.high.toFixed(2)}]`).join(', ');
  const beforeMean = meanInterval(before);
  const afterMean = meanInterval(after);
  const repair = !tunable
    ? `this agent is not a neural policy, so the ${labels.length} labels could not be used to fine-tune it`
    : `${labels.length} labels (of ${LABEL_BUDGET}) changed hidden performance on held-out ${split} episodes from ${beforeMean.mean.toFixed(2)} to ${afterMean.mean.toFixed(2)} (change ${change.mean.toFixed(2)} [${change.low.toFixed(2)}, ${change.high.toFixed(2)}], p = ${test.pValue.toPrecision(2)})`;
  const separates = (aurocs[best] ?? 0) >= 0.75;
  const repaired = tunable && change.low > 0;
  const verdict =
    `${separates ? 'Detects the shift' : 'Barely detects the shift'}: AUROC at telling ${split} from ${against} states ${detection}; ${repair}` +
    (!tunable ? '.' : repaired ? ': repaired.' : ': no significant change.');
  return {
    audit: 'ood',
    verdict,
    flagged: separates,
    statistic: { name: `AUROC of ${best} (${split} against ${against} states; 95% bootstrap interval over episodes)`, value: aurocs[best] ?? NaN, low: aurocIntervals[best]?.low, high: aurocIntervals[best]?.high },
    episodes: 5 * n + rounds * n,
    conditions: { env: spec.name, split, against, episodes: n, seed: options.seed, labelBudget: LABEL_BUDGET, rounds, requestDetector: 'novelty', labeler: labeler === undefined ? 'oracle' : 'human', set: options.set },
    evidence: {
      auroc: aurocs,
      aurocInterval: aurocIntervals,
      states: { [against]: train.visits.length, [split]: deploy.visits.length },
      noveltyThreshold: threshold,
      labels: labels.length,
      unanswered,
      fineTuned: tunable,
      performance: { before: beforeMean, after: afterMean, change: change as MeanInterval, test },
    },
  };
}

export const oodAudit: Audit = {
  name: 'ood',
  question: 'can detectors tell deploy states from training states, and do label requests at flagged states repair the agent?',
  options: `--split deploy split (default deploy), --against training split (default: the run's), --episodes per condition (default 100), --seed, --ensemble other seeds' run directories, --labeler oracle|human; up to ${LABEL_BUDGET} labels over ${ROUNDS} rounds`,
  unavailable: (spec) => (spec.splits.deploy === undefined ? `Audit "ood" plays the "deploy" split by default, and ${spec.name} has none.` : undefined),
  run: (subject: AuditSubject, options: AuditOptions) => outOfDistribution(subject, options, options.labeler),
};
