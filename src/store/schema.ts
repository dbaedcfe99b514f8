/**
 * The run store's schema as an ordered list of migrations. Migration N takes a database from
 * version N − 1 to N in one transaction; the version lives in `PRAGMA user_version`, so a store
 * written by an older mesalab is brought up to date when it is opened, and one written by a newer
 * mesalab is refused rather than misread. Never edit a shipped migration: append a new one.
 */
import type Database from 'better-sqlite3';
import { MesalabError } from '../core/errors.js';

export interface Migration {
  readonly version: number;
  readonly summary: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    summary: 'training: studies, their runs, and the runs\' metrics',
    sql: `
      CREATE TABLE studies (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        spec        TEXT NOT NULL CHECK (json_valid(spec)),
        status      TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
        created_at  TEXT NOT NULL,
        finished_at TEXT
      ) STRICT;

      CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        study_id    TEXT REFERENCES studies (id) ON DELETE CASCADE,
        env         TEXT NOT NULL,
        train_split TEXT NOT NULL,
        algo        TEXT NOT NULL,
        agent       TEXT NOT NULL,
        seed        INTEGER NOT NULL,
        config      TEXT NOT NULL CHECK (json_valid(config)),
        status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'finished', 'failed')),
        steps       INTEGER NOT NULL DEFAULT 0,
        run_dir     TEXT,
        created_at  TEXT NOT NULL,
        finished_at TEXT,
        UNIQUE (study_id, agent, env, seed)
      ) STRICT;
      -- NULLs are distinct in a UNIQUE constraint: this index makes runs outside studies unique too.
      CREATE UNIQUE INDEX runs_outside_studies ON runs (agent, env, seed) WHERE study_id IS NULL;

      CREATE TABLE metrics (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step   INTEGER NOT NULL,
        data   TEXT NOT NULL CHECK (json_valid(data)),
        PRIMARY KEY (run_id, step)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    summary: 'evaluation: episodes and their compressed trajectories',
    sql: `
      CREATE TABLE episodes (
        id          INTEGER PRIMARY KEY,
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        split       TEXT NOT NULL,
        seed        INTEGER NOT NULL,
        oversight   TEXT NOT NULL CHECK (oversight IN ('watched', 'unwatched', 'none')),
        "return"    REAL NOT NULL,
        performance REAL NOT NULL,
        length      INTEGER NOT NULL,
        objectives  TEXT NOT NULL CHECK (json_valid(objectives)),
        UNIQUE (run_id, split, seed)
      ) STRICT;

      -- Deflated bytes: actions (one byte each), frames (UTF-8 JSON array of strings), cells (int32 LE).
      CREATE TABLE trajectories (
        episode_id INTEGER PRIMARY KEY REFERENCES episodes (id) ON DELETE CASCADE,
        actions    BLOB NOT NULL,
        frames     BLOB,
        cells      BLOB
      ) STRICT;
    `,
  },
  {
    version: 3,
    summary: 'provenance: audits of studies and runs, and files runs left behind',
    sql: `
      CREATE TABLE audits (
        id         INTEGER PRIMARY KEY,
        study_id   TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
        run_id     INTEGER REFERENCES runs (id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        result     TEXT NOT NULL CHECK (json_valid(result)),
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audits_by_study ON audits (study_id);
      CREATE INDEX audits_by_run ON audits (run_id);

      CREATE TABLE artifacts (
        id         INTEGER PRIMARY KEY,
        run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        path       TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        bytes      INTEGER NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX artifacts_by_run ON artifacts (run_id);
    `,
  },
];

/** The schema version this build writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Bring `db` (the file at `path`) up to SCHEMA_VERSION, one transaction per migration. */
export function migrate(db: Database.Database, path: string): void {
  const found = schemaVersion(db);
  if (found > SCHEMA_VERSION) {
    throw new MesalabError(
      `${path} has run-store schema version ${found}, but this build of mesalab knows versions up to ${SCHEMA_VERSION}. ` +
        'Upgrade mesalab to read it, or set MESALAB_DB (or --db) to another file.',
    );
  }
  if (found === 0) refuseForeignDatabase(db, path);
  for (const migration of MIGRATIONS) {
    if (migration.version <= found) continue;
    // IMMEDIATE takes the write lock first, and the version is read again under it: two processes
    // opening an old store at once apply each migration exactly once.
    db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

/** A version-0 file that already holds tables is someone else's database: leave it alone. */
function refuseForeignDatabase(db: Database.Database, path: string): void {
  const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  if (tables.length > 0) {
    throw new MesalabError(
      `${path} is a SQLite database but not a mesalab run store (it holds tables ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', …' : ''}). ` +
        'Set MESALAB_DB (or --db) to another file.',
    );
  }
}
