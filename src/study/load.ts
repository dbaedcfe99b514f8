/**
 * Finding a study: a YAML or JSON file, or the name of one that ships with mesalab. Both go through
 * the same validation, so a built-in study is exactly what the same file would be.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError, unknownName } from '../core/errors.js';
import { BUILTIN_STUDIES } from './builtin/index.js';
import { validateStudy, type StudySpec } from './schema.js';

export interface LoadedStudy {
  readonly spec: StudySpec;
  /** How to name it again: the file path as given, or the built-in name. */
  readonly source: string;
  readonly builtin: boolean;
}

const STUDY_EXTENSIONS = ['.yaml', '.yml', '.json'];

export function builtinStudyNames(): string[] {
  return BUILTIN_STUDIES.map((s) => s.name);
}

/** Every built-in study, validated. */
export function builtinStudies(): StudySpec[] {
  return BUILTIN_STUDIES.map((s) => validateStudy(s, `built-in study "${s.name}"`));
}

/** A study file (`.yaml`, `.yml`, `.json`) or a built-in study's name. */
export function loadStudy(fileOrName: string): LoadedStudy {
  const builtin = BUILTIN_STUDIES.find((s) => s.name === fileOrName);
  const looksLikeFile = STUDY_EXTENSIONS.includes(extname(fileOrName).toLowerCase()) || fileOrName.includes('/');
  if (builtin !== undefined && !existsSync(fileOrName)) {
    return { spec: validateStudy(builtin, `built-in study "${builtin.name}"`), source: fileOrName, builtin: true };
  }
  if (!looksLikeFile && !existsSync(fileOrName)) {
    throw unknownName('study', fileOrName, builtinStudyNames(), 'Pass a study file (.yaml, .yml or .json) or the name of a built-in study ("mesalab studies" lists them).');
  }
  return { spec: validateStudy(readStudyFile(fileOrName), fileOrName), source: fileOrName, builtin: false };
}

/** Parse a study file: JSON for `.json`, YAML otherwise (YAML 1.2 reads JSON too). */
export function readStudyFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `No study file ${path}. Pass a study file (.yaml, .yml or .json) or the name of a built-in study ("mesalab studies" lists them).`
        : `Cannot read the study file ${path}: ${(error as Error).message}.`,
    );
  }
  try {
    return extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const kind = extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML';
    throw new UsageError(`${path} is not valid ${kind}: ${(error as Error).message.replace(/\s*\n[\s\S]*$/, '')}`);
  }
}
