/** `mesalab export ID`: a study's or a run's tables as CSV files or one JSON file, for pandas, R or a spreadsheet. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, unknownName } from '../../core/errors.js';
import { EXPORT_FORMATS, exportTables, findEntry, type ExportFormat } from '../../store/export.js';
import { openStore } from '../../store/store.js';
import { parse, stringOption } from '../args.js';

export const usage = 'mesalab export ID --format csv|json [--out DIR] [--db PATH]';

export function run(argv: readonly string[], print: (text: string) => void): void {
  const parsed = parse(argv, { format: { type: 'string' }, out: { type: 'string' }, db: { type: 'string' } }, usage);
  const [id, ...extra] = parsed.positionals;
  if (id === undefined) throw new UsageError(`export needs a study or run id (mesalab runs lists them). Usage: ${usage}`);
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}. Usage: ${usage}`);
  const format = stringOption(parsed, 'format');
  if (format === undefined) throw new UsageError(`export needs --format csv or --format json. Usage: ${usage}`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw unknownName('export format', format, EXPORT_FORMATS, `Usage: ${usage}`);
  const db = stringOption(parsed, 'db');
  const store = openStore(db, { mustExist: true });
  try {
    findEntry(store, id, db === undefined ? 'mesalab runs' : `mesalab runs --db ${db}`);
    const dir = stringOption(parsed, 'out') ?? join('mesalab-export', id);
    const files = exportTables(store, id, format as ExportFormat);
    mkdirSync(dir, { recursive: true });
    for (const file of files) {
      const path = join(dir, file.name);
      writeFileSync(path, file.content);
      print(path);
    }
  } finally {
    store.close();
  }
}
