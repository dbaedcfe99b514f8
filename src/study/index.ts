/** Studies: declarative files of environments × agents × seeds, run cell by cell into the run store, and reported. */
export {
  validateStudy,
  readStoredStudy,
  studyHash,
  studyRecord,
  cellConfig,
  AUDITS,
  type StudySpec,
  type StudyInput,
  type OneEnvironmentInput,
  type SeveralEnvironmentsInput,
  type EnvironmentPlan,
  type AgentSpec,
  type KnobSetting,
  type AuditKind,
} from './schema.js';
export { loadStudy, readStudyFile, builtinStudies, builtinStudyNames, type LoadedStudy } from './load.js';
export { runStudy, enumerateCells, newestWithHash, type RunStudyOptions, type StudyOutcome, type Cell } from './runner.js';
export { runCell, type CellMessage, type CellOptions, type CellOutcome } from './cell.js';
export { studyAudits, formatAudits, type AuditVerdict, studyOutcomes, formatOutcomes, groupEpisodes, type SplitOutcome, type ObjectiveResult, type EpisodeGroup } from './results.js';
export { pooledAudits, formatPooledAudits, worthPooling, type PooledAudit, type PooledCount, type PooledMeasure, type PooledMean, type PooledComparison } from './pooled.js';
export { buildReportData } from './report-data.js';
export { studyFolder, REPORT_FILE } from './paths.js';
