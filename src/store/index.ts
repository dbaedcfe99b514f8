/** The run store: studies, runs, metrics, episodes, trajectories, audits and artifacts in one SQLite file. */
export { openStore, storePath, DEFAULT_STORE_PATH, Store, type OpenOptions, type StoreEntry } from './store.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './schema.js';
export { exportTables, collectTables, findEntry, toCsv, EXPORT_FORMATS, TABLE_NAMES, type ExportFormat, type ExportFile, type Tables, type Row, type Cell } from './export.js';
export * from './types.js';
