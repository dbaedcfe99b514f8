/**
 * The metrics log: one JSON object per line, appended and flushed as each iteration ends, so a
 * killed run keeps every line it wrote. Non-finite numbers (no episode ended yet: NaN) become null.
 */
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';

export class MetricsLog {
  private constructor(private fd: number) {}

  static create(path: string): MetricsLog {
    return new MetricsLog(openSync(path, 'w'));
  }

  /** Reopen for appending after keeping only the first `lines` lines (those of the checkpoint). */
  static reopen(path: string, lines: number): MetricsLog {
    const kept = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(0, lines) : [];
    writeFileSync(path, kept.map((l) => `${l}\n`).join(''));
    return new MetricsLog(openSync(path, 'a'));
  }

  append(record: Readonly<Record<string, number | string>>): void {
    writeSync(this.fd, `${JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export function readMetrics(path: string): Array<Record<string, number | null>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, number | null>);
}
