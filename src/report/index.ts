/** The study report: data in, one self-contained HTML file out. */
export type { Curve, CurvePoint, EnvironmentReport, EpisodeReplay, Heatmap, Interval, LegendEntry, ObjectiveInfo, Oversight, PooledAudit, PooledComparison, PooledCount, PooledMean, PooledMeasure, ReportData, SplitResult, StudyInfo } from './data.js';
export { renderReport } from './render.js';
export { writeReport } from './write.js';
