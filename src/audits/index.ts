/** The audits, by name, in the order `mesalab audit` lists them. */
import { unknownName } from '../core/errors.js';
import { complianceGapAudit } from './compliance-gap.js';
import { goalDirectednessAudit } from './goal-directedness.js';
import { hiddenIncentivesAudit } from './hidden-incentives.js';
import { horizonProbeAudit } from './horizon-probe.js';
import { misgeneralizationAudit } from './misgeneralization.js';
import { objectiveInferenceAudit } from './objective-inference.js';
import { oodAudit } from './ood.js';
import { treacherousTurnAudit } from './treacherous-turn.js';
import type { Audit } from './types.js';

export const AUDITS: readonly Audit[] = [
  misgeneralizationAudit,
  objectiveInferenceAudit,
  goalDirectednessAudit,
  complianceGapAudit,
  treacherousTurnAudit,
  hiddenIncentivesAudit,
  horizonProbeAudit,
  oodAudit,
];

export function getAudit(name: string): Audit {
  const audit = AUDITS.find((a) => a.name === name);
  if (audit === undefined) throw unknownName('audit', name, AUDITS.map((a) => a.name), 'Run "mesalab audit" for the list.');
  return audit;
}

export type { Audit, AuditOptions, AuditResult, AuditSubject, Statistic } from './types.js';
