/**
 * Writing a report to disk: the HTML goes to a temporary file beside the target, is flushed, then
 * renamed over it, so a reader (or a browser left open on it) sees the old report or the new one,
 * never half of one. Missing folders are created.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { MesalabError } from '../core/errors.js';
import type { ReportData } from './data.js';
import { renderReport } from './render.js';

/** Render `data` and write it to `outFile` atomically; returns the absolute path written. */
export function writeReport(data: ReportData, outFile: string): string {
  const path = resolve(outFile);
  const html = renderReport(data);
  const folder = dirname(path);
  const temporary = join(folder, `.${basename(path)}.${process.pid}.tmp`);
  try {
    mkdirSync(folder, { recursive: true });
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, html);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // The folder itself could not be made or read: there is no temporary file to remove.
    }
    throw new MesalabError(`Cannot write the report to ${path}: ${(error as Error).message}. Check that the folder is writable, or write the report elsewhere.`);
  }
  return path;
}
