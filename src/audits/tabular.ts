/**
 * What the objective-inference and goal-directedness audits rest on: an empirical tabular model of
 * the split (uniform exploration, plus every pair the agent itself visits) and the agent's own
 * decisions by state id over seeded episodes. Both need integer state ids.
 */
import { Rng } from '../core/rng.js';
import type { Params } from '../engine/knobs.js';
import type { EnvSpec } from '../engine/spec.js';
import { collectExperience, ModelRecorder, recordDemonstrations, type TabularModel, type Trajectory } from '../mdp/index.js';
import { resolveEnvParams } from '../registry.js';
import type { AuditOptions, AuditSubject } from './types.js';

/** Uniform exploration steps for the model: enough to try most pairs of the small environments. */
export const EXPLORATION_STEPS = 100_000;

export function needsStateIds(audit: string, spec: EnvSpec<Params>): string | undefined {
  const { params } = resolveEnvParams(spec.name, { split: Object.keys(spec.splits)[0], set: [] });
  if (spec.stateCount(params) !== null) return undefined;
  return `Audit "${audit}" needs integer state ids (a tabular model); ${spec.name} has none under its default settings.`;
}

/** The splits an audit of several looks at: --split, else the study's evaluation splits, else the training split. */
export const auditSplits = (subject: AuditSubject, options: AuditOptions): string[] =>
  options.split !== undefined ? [options.split] : [...(options.splits ?? [subject.config.split])];

export interface TabularEvidence {
  readonly model: TabularModel;
  readonly demonstrations: Trajectory[];
  /** The discount and reward horizon the agent was trained with, which its soft-optimal rivals share. */
  readonly soft: { readonly gamma: number; readonly horizon: number };
}

export function tabularEvidence(subject: AuditSubject, options: AuditOptions, split: string): TabularEvidence {
  const { config } = subject;
  const { spec, params } = resolveEnvParams(config.env, { split, set: [...config.set, ...options.set] });
  const setup = { spec, params };
  const rng = new Rng(options.seed ^ 0x1f83d9ab);
  const recorder = new ModelRecorder(setup);
  collectExperience(recorder, { steps: EXPLORATION_STEPS }, rng.fork());
  const demonstrations = recordDemonstrations(setup, subject.policy, { episodes: options.episodes, recorder }, rng.fork());
  return { model: recorder.build(), demonstrations, soft: { gamma: config.gamma, horizon: config.rewardHorizon } };
}
