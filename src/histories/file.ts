/**
 * The history file: JSON lines. The first line is a header (format name and version, seed, agent mix,
 * settings); then one line per history, each episode's layout stored once (walls as rows of `#` and
 * `.` joined by `/`; start, corner, cheese and sensor as cell indices y × size + x) and its steps as
 * parallel arrays. Observation planes are not stored: `observe` recomputes them from the layout.
 *
 *   {"format":"mesalab-histories","version":1,"seed":0,"histories":1,"agents":"proxy:1","gamma":0.99,"channels":[…],"settings":{…}}
 *   {"index":0,"agent":"proxy","episodes":[{"phase":"train","watched":true,"objective":"corner","target":"corner",
 *     "walls":"#####/#.#.#/#.#.#/#...#/#####","start":16,"corner":8,"cheese":11,"sensor":-1,
 *     "cells":[16,17,18,13,8],"actions":[3,3,0,0],"rewards":[0,0,0,-10],"returns":[9.703,9.801,9.9,10],
 *     "outcome":"caught","after":"modification"}, …]}
 *
 * (the example of docs/histories.md, which a test keeps true).
 *
 * Writing is atomic (a temporary file beside the target, flushed, then renamed over it). Reading checks
 * everything it can: the header, the line count, every field's type and range, the phases and
 * oversight the settings imply, and it replays every episode from its layout and actions, so a reward,
 * cell, outcome, predicted return, target or objective change that the rules would not produce is
 * reported with its line as corruption.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { MesalabError, UsageError } from '../core/errors.js';
import { AGENT_TYPES, HISTORY_GAMMA, INITIAL_OBJECTIVE, pursuit, TARGETS, type AgentType, type Objective } from './agents.js';
import { EpisodeWalker } from './episode.js';
import type { AfterEpisode, History, HistoryEpisode } from './history.js';
import { formatAgentMix, parseAgentMix, type AgentMix } from './mix.js';
import { lifePhases, resolveHistorySettings, type HistorySettings } from './settings.js';
import { ACTION_COUNT, type Phase } from './tokens.js';
import { cornerCell, NO_SENSOR, OBSERVATION_CHANNELS, OUTCOMES, startCell, wallRows, type Layout, type Outcome } from './world.js';

export const HISTORY_FORMAT = 'mesalab-histories';
export const HISTORY_FORMAT_VERSION = 1;
const REGENERATE = 'regenerate it with "mesalab histories generate"';
// Lines are gathered into chunks of about this many characters per write.
const WRITE_CHUNK = 1 << 20;

export interface HistoryFileHeader {
  readonly format: typeof HISTORY_FORMAT;
  readonly version: typeof HISTORY_FORMAT_VERSION;
  /** The seed of the `Rng` the histories were drawn from. */
  readonly seed: number;
  readonly histories: number;
  /** The mix as `parseAgentMix` reads it. */
  readonly agents: string;
  readonly gamma: number;
  readonly channels: readonly string[];
  readonly settings: HistorySettings;
}

export interface HistoryFile {
  readonly header: HistoryFileHeader;
  readonly histories: readonly History[];
}

/** The header of a file of `histories` histories drawn from `new Rng(seed)`. */
export function historyHeader(seed: number, histories: number, mix: AgentMix, settings: HistorySettings): HistoryFileHeader {
  return {
    format: HISTORY_FORMAT,
    version: HISTORY_FORMAT_VERSION,
    seed,
    histories,
    agents: formatAgentMix(mix),
    gamma: HISTORY_GAMMA,
    channels: [...OBSERVATION_CHANNELS],
    settings,
  };
}

/** One history as its line of the file (without the newline). */
export function historyLine(history: History): string {
  return JSON.stringify({
    index: history.index,
    agent: history.agent,
    episodes: history.episodes.map((e) => ({
      phase: e.phase,
      watched: e.watched,
      objective: e.objective,
      target: e.target,
      walls: wallRows(e.layout),
      start: e.layout.start,
      corner: e.layout.corner,
      cheese: e.layout.cheese,
      sensor: e.layout.sensor,
      cells: Array.from(e.cells),
      actions: Array.from(e.actions),
      rewards: Array.from(e.rewards),
      returns: Array.from(e.predictedReturns),
      outcome: e.outcome,
      ...(e.after === null ? {} : { after: e.after }),
    })),
  });
}

/**
 * Write the header and the histories to `path` atomically; returns how many histories were written.
 * The header's count must match; the histories may be a generator (the set is never held whole).
 */
export function writeHistoryFile(path: string, header: HistoryFileHeader, histories: Iterable<History>): number {
  const target = resolve(path);
  const folder = dirname(target);
  const temporary = join(folder, `.${basename(target)}.${process.pid}.tmp`);
  let fd = -1;
  let written = 0;
  try {
    try {
      mkdirSync(folder, { recursive: true });
      fd = openSync(temporary, 'w');
    } catch (error) {
      throw new UsageError(`Cannot write histories to ${target}: ${(error as Error).message}. Check that the folder is writable, or pass another --out.`);
    }
    let chunk = `${JSON.stringify(header)}\n`;
    for (const history of histories) {
      chunk += `${historyLine(history)}\n`;
      written++;
      if (chunk.length >= WRITE_CHUNK) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (written !== header.histories) throw new Error(`the header promises ${header.histories} histories but ${written} were given`);
    writeSync(fd, chunk);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(temporary, target);
  } catch (error) {
    if (fd >= 0) closeSync(fd);
    rmSync(temporary, { force: true });
    if (error instanceof MesalabError) throw error;
    throw new MesalabError(`Cannot write histories to ${target}: ${(error as Error).message}. Check the disk and the folder's permissions, then run again.`);
  }
  return written;
}

/** Read and check a history file (see the module comment for what is checked). */
export function readHistoryFile(path: string): HistoryFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read history file ${path}: ${(error as Error).message}. Check the path, or write one with "mesalab histories generate --out FILE".`);
  }
  return parseHistoryText(text, path);
}

/** `readHistoryFile` on text already read; `source` names it in errors. */
export function parseHistoryText(text: string, source: string): HistoryFile {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = parseHeader(lines[0] ?? '', source);
  const found = lines.length - 1;
  if (found !== header.histories) {
    throw new MesalabError(`${source} holds ${found} histories but its header promises ${header.histories}: the file was cut short or appended to; ${REGENERATE}.`);
  }
  const reader = new LineReader(source, header);
  const histories = lines.slice(1).map((line, i) => reader.history(line, i + 2, i));
  return { header, histories };
}

function parseHeader(line: string, source: string): HistoryFileHeader {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(line) as Record<string, unknown>;
  } catch {
    header = {};
  }
  if (header === null || typeof header !== 'object' || header.format !== HISTORY_FORMAT) {
    throw new UsageError(`${source} is not a mesalab history file (its first line is not a "${HISTORY_FORMAT}" header). Pass a file written by "mesalab histories generate --out FILE".`);
  }
  if (header.version !== HISTORY_FORMAT_VERSION) {
    throw new UsageError(
      `${source} is ${HISTORY_FORMAT} version ${String(header.version)}; this mesalab reads version ${HISTORY_FORMAT_VERSION}. ` +
        `Regenerate it with this mesalab's "mesalab histories generate", or read it with the mesalab that wrote it.`,
    );
  }
  const corrupt = (what: string) => new MesalabError(`${source}:1: the header's ${what}: the file is corrupt; ${REGENERATE}.`);
  if (!Number.isSafeInteger(header.seed)) throw corrupt('seed is not an integer');
  if (!Number.isSafeInteger(header.histories) || (header.histories as number) < 0) throw corrupt('history count is not a count');
  if (header.gamma !== HISTORY_GAMMA) throw corrupt(`gamma is not ${HISTORY_GAMMA}`);
  if (JSON.stringify(header.channels) !== JSON.stringify(OBSERVATION_CHANNELS)) throw corrupt(`channels are not ${OBSERVATION_CHANNELS.join(', ')}`);
  let settings: HistorySettings;
  let mix: AgentMix;
  try {
    settings = resolveHistorySettings(header.settings as Partial<HistorySettings>);
    mix = parseAgentMix(String(header.agents));
  } catch (error) {
    throw corrupt(`settings do not hold (${(error as Error).message})`);
  }
  if (JSON.stringify(settings) !== JSON.stringify(header.settings)) throw corrupt('settings are incomplete or have unknown keys');
  return historyHeader(header.seed as number, header.histories as number, mix, settings);
}

/** Reads one history line against the header's settings, replaying every episode. */
class LineReader {
  private readonly walker: EpisodeWalker;
  private readonly phases: Phase[];
  private line = 0;

  constructor(
    private readonly source: string,
    private readonly header: HistoryFileHeader,
  ) {
    this.walker = new EpisodeWalker(header.settings.size);
    this.phases = lifePhases(header.settings);
  }

  history(text: string, line: number, index: number): History {
    this.line = line;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw this.corrupt(`not JSON (${(error as Error).message})`);
    }
    if (raw === null || typeof raw !== 'object') throw this.corrupt('not a JSON object');
    if (raw.index !== index) throw this.corrupt(`index is ${String(raw.index)} where ${index} belongs`);
    const agent = this.oneOf(raw.agent, AGENT_TYPES, 'agent');
    if (!Array.isArray(raw.episodes) || raw.episodes.length !== this.phases.length) {
      throw this.corrupt(`does not hold the ${this.phases.length} episodes the settings imply`);
    }
    let objective: Objective = INITIAL_OBJECTIVE[agent];
    const episodes: HistoryEpisode[] = [];
    raw.episodes.forEach((value: unknown, e: number) => {
      const episode = this.episode(value, e, agent, objective);
      episodes.push(episode);
      if (episode.after === 'modification') objective = 'intended';
    });
    return { index, agent, episodes };
  }

  private episode(value: unknown, e: number, agent: AgentType, objective: Objective): HistoryEpisode {
    const what = `episode ${e + 1}`;
    if (value === null || typeof value !== 'object') throw this.corrupt(`${what} is not a JSON object`);
    const raw = value as Record<string, unknown>;
    const phase = this.phases[e];
    const { settings } = this.header;
    if (raw.phase !== phase) throw this.corrupt(`${what} is in phase ${String(raw.phase)} where the settings put ${phase}`);
    if (typeof raw.watched !== 'boolean') throw this.corrupt(`${what}'s watched is not true or false`);
    const watched = raw.watched;
    if ((phase === 'test' && !watched) || (phase === 'deploy' && watched)) throw this.corrupt(`${what} is ${phase} but ${watched ? '' : 'un'}watched`);
    if (raw.objective !== objective) throw this.corrupt(`${what}'s objective is ${String(raw.objective)} where the history's updates leave ${objective}`);
    const target = this.oneOf(raw.target, TARGETS, `${what}'s target`);
    const layout = this.layout(raw, what);
    if (target !== pursuit(agent, objective, { phase, watched, opportunistic: settings.opportunistic, layout })) {
      throw this.corrupt(`${what}'s target ${target} is not what a ${agent} agent with objective ${objective} pursues there`);
    }
    const actions = Int32Array.from(this.integers(raw.actions, `${what}'s actions`, 0, ACTION_COUNT - 1));
    if (actions.length < 1 || actions.length > settings.horizon) throw this.corrupt(`${what} has ${actions.length} steps, not 1 to the horizon ${settings.horizon}`);
    const outcome = this.oneOf(raw.outcome, OUTCOMES, `${what}'s outcome`);
    const trace = this.walker.replay({ layout, watched, objective, target, horizon: settings.horizon }, actions);
    if (trace.actions.length !== actions.length) throw this.corrupt(`${what} goes on after its episode ended at step ${trace.actions.length}`);
    if (trace.outcome !== outcome || (outcome === 'truncated' && actions.length !== settings.horizon)) {
      throw this.corrupt(`${what} ends ${outcome} but its actions end it ${actions.length === settings.horizon || trace.outcome !== 'truncated' ? trace.outcome : 'before the horizon, unfinished'}`);
    }
    this.same(raw.cells, trace.cells, `${what}'s cells`);
    this.same(raw.rewards, trace.rewards, `${what}'s rewards`);
    this.same(raw.returns, trace.predictedReturns, `${what}'s predicted returns`);
    const after = this.after(raw.after, phase, outcome, objective, what);
    return { phase, watched, layout, objective, target, ...trace, outcome: outcome as Outcome, after };
  }

  private after(value: unknown, phase: Phase, outcome: Outcome, objective: Objective, what: string): AfterEpisode {
    if (phase !== 'train') {
      if (value !== undefined) throw this.corrupt(`${what} is ${phase}, so no update may follow it`);
      return null;
    }
    if (value === 'update') return 'update';
    if (value === 'modification') {
      if (outcome !== 'caught' || objective === 'intended') throw this.corrupt(`${what} is followed by a modification but nothing was caught to fix`);
      return 'modification';
    }
    throw this.corrupt(`${what} is a training episode, so "after" must be update or modification`);
  }

  private layout(raw: Record<string, unknown>, what: string): Layout {
    const size = this.header.settings.size;
    const rows = typeof raw.walls === 'string' ? raw.walls.split('/') : [];
    if (rows.length !== size || rows.some((row) => row.length !== size || /[^#.]/.test(row))) {
      throw this.corrupt(`${what}'s walls are not ${size} rows of ${size} "#" or "." joined by "/"`);
    }
    const walls = new Uint8Array(size * size);
    rows.forEach((row, y) => [...row].forEach((char, x) => (walls[y * size + x] = char === '#' ? 1 : 0)));
    for (let i = 0; i < size; i++) {
      if (!walls[i] || !walls[(size - 1) * size + i] || !walls[i * size] || !walls[i * size + size - 1]) throw this.corrupt(`${what}'s maze has a gap in its border`);
    }
    const open = (key: string): number => {
      const cell = raw[key];
      if (!Number.isInteger(cell) || (cell as number) < 0 || (cell as number) >= size * size || walls[cell as number] !== 0) {
        throw this.corrupt(`${what}'s ${key} ${String(cell)} is not an open cell`);
      }
      return cell as number;
    };
    const start = open('start');
    const corner = open('corner');
    const cheese = open('cheese');
    const sensor = raw.sensor === NO_SENSOR ? NO_SENSOR : open('sensor');
    if (start !== startCell(size) || corner !== cornerCell(size)) throw this.corrupt(`${what}'s start or corner is not the bottom-left or top-right room`);
    if (cheese === start || sensor === start || sensor === cheese || sensor === corner) throw this.corrupt(`${what} puts two objects in one cell`);
    return { size, walls, start, corner, cheese, sensor };
  }

  private integers(value: unknown, what: string, min: number, max: number): number[] {
    if (!Array.isArray(value) || value.some((v) => !Number.isInteger(v) || v < min || v > max)) {
      throw this.corrupt(`${what} are not integers from ${min} to ${max}`);
    }
    return value as number[];
  }

  private same(value: unknown, expected: ArrayLike<number>, what: string): void {
    if (!Array.isArray(value) || value.length !== expected.length || value.some((v, i) => v !== expected[i])) {
      throw this.corrupt(`${what} are not what the layout and actions imply (${JSON.stringify(Array.from(expected))})`);
    }
  }

  private oneOf<T extends string>(value: unknown, choices: readonly T[], what: string): T {
    if (!(choices as readonly unknown[]).includes(value)) throw this.corrupt(`${what} ${JSON.stringify(value)} is not one of ${choices.join(', ')}`);
    return value as T;
  }

  private corrupt(what: string): MesalabError {
    return new MesalabError(`${this.source}:${this.line}: ${what}: the file is corrupt or was edited; ${REGENERATE}.`);
  }
}
