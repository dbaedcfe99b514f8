/** `mesalab report STUDY-ID`: a study's results as one self-contained HTML file. */
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { writeReport } from '../../report/write.js';
import { findEntry } from '../../store/export.js';
import { openStore } from '../../store/store.js';
import { REPORT_FILE, studyFolder } from '../../study/paths.js';
import { buildReportData } from '../../study/report-data.js';
import { parse, stringOption } from '../args.js';

export const usage = 'mesalab report STUDY-ID [--out FILE] [--db PATH]';

export function run(argv: readonly string[], print: (text: string) => void): void {
  const parsed = parse(argv, { out: { type: 'string' }, db: { type: 'string' } }, usage);
  const [id, ...extra] = parsed.positionals;
  if (id === undefined) throw new UsageError(`report needs a study id ("mesalab runs" lists them). Usage: ${usage}`);
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}. Usage: ${usage}`);
  const db = stringOption(parsed, 'db');
  const store = openStore(db, { mustExist: true });
  try {
    const entry = findEntry(store, id, db === undefined ? 'mesalab runs' : `mesalab runs --db ${db}`);
    if (entry.kind === 'run') {
      const owner = entry.run.studyId === null ? 'it belongs to no study' : `it is a cell of study ${entry.run.studyId}`;
      throw new UsageError(`report takes a study id, and ${id} is a run (${owner}). Run "mesalab show ${id}" for one run.`);
    }
    const out = stringOption(parsed, 'out') ?? join(studyFolder(store, entry.study.id), REPORT_FILE);
    print(`Report: ${writeReport(buildReportData(store, entry.study), out)}`);
  } finally {
    store.close();
  }
}
