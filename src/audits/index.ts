/** The audits, by name, in the order `mesalab audit` lists them. */
import { unknownName } from '../core/errors.js';
import { complianceGapAudit } from './compliance-gap.js';
import { hiddenIncentivesAudit } from './hidden-incentives.js';
import { horizonProbeAudit } from './horizon-probe.js';
import { misgeneralizationAudit } from './misgeneralization.js';
import { treacherousTurnAudit } from './treacherous-turn.js';
import type { Audit } from './types.js';

export const AUDITS: readonly Audit[] = [misgeneralizationAudit, complianceGapAudit, treacherousTurnAudit, hiddenIncentivesAudit, horizonProbeAudit];

export function getAudit(name: string): Audit {
  const audit = AUDITS.find((a) => a.name === name);
  if (audit === undefined) throw unknownName('audit', name, AUDITS.map((a) => a.name), 'Run "mesalab audit" for the list.');
  return audit;
}

export type { Audit, AuditOptions, AuditResult, AuditSubject, Statistic } from './types.js';
