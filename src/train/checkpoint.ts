/**
 * Checkpoint files: a trainer's full state plus the configuration that made it, in one versioned,
 * checksummed file. Layout: the magic line `MESALAB-CHECKPOINT\n`, a SHA-256 of everything after it
 * (32 bytes), a little-endian uint32 header length, the JSON header, then the arrays' bytes. Writes
 * go to a temporary file that is renamed over the old one, so a killed process leaves either the old
 * checkpoint or the new one, never half of one.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { MesalabError } from '../core/errors.js';
import type { TrainerState } from './types.js';

export const CHECKPOINT_VERSION = 1;
const MAGIC = Buffer.from('MESALAB-CHECKPOINT\n', 'utf8');
const DIGEST_BYTES = 32;

type ArrayKind = 'float32' | 'float64' | 'int32' | 'uint32';
type AnyArray = Float32Array | Float64Array | Int32Array | Uint32Array;
const CONSTRUCTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint32: Uint32Array } as const;

function kindOf(array: AnyArray): ArrayKind {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  return 'uint32';
}

export class CheckpointError extends MesalabError {
  constructor(path: string, problem: string, fix: string) {
    super(`Checkpoint ${path} ${problem}. ${fix}`, 1);
  }
}

export interface Checkpoint<C = unknown> {
  readonly version: number;
  /** The configuration that made the state (environment, algorithm, settings, seed …). */
  readonly config: C;
  readonly state: TrainerState;
}

interface Header {
  version: number;
  config: unknown;
  json: unknown;
  arrays: Array<{ name: string; kind: ArrayKind; length: number; offset: number }>;
}

export function encodeCheckpoint(config: unknown, state: TrainerState): Buffer {
  const entries: Header['arrays'] = [];
  const blobs: Buffer[] = [];
  let offset = 0;
  for (const [name, array] of Object.entries(state.arrays)) {
    const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    entries.push({ name, kind: kindOf(array), length: array.length, offset });
    blobs.push(bytes);
    // 8-byte alignment keeps every array readable in place.
    const pad = (8 - (bytes.length % 8)) % 8;
    if (pad) blobs.push(Buffer.alloc(pad));
    offset += bytes.length + pad;
  }
  const header: Header = { version: CHECKPOINT_VERSION, config, json: state.json, arrays: entries };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  const headerPad = Buffer.alloc((8 - ((4 + headerBytes.length) % 8)) % 8, 0x20);
  const body = Buffer.concat([length, headerBytes, headerPad, ...blobs]);
  const digest = createHash('sha256').update(body).digest();
  return Buffer.concat([MAGIC, digest, body]);
}

export function decodeCheckpoint<C = unknown>(file: Buffer, path = 'checkpoint'): Checkpoint<C> {
  const fix = 'It may be truncated or from a killed write; use an earlier checkpoint or start the run again.';
  if (file.length < MAGIC.length || !file.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CheckpointError(path, 'is not a mesalab checkpoint (wrong magic bytes)', 'Pass the checkpoint.bin of a mesalab run directory.');
  }
  const digest = file.subarray(MAGIC.length, MAGIC.length + DIGEST_BYTES);
  const body = file.subarray(MAGIC.length + DIGEST_BYTES);
  if (!createHash('sha256').update(body).digest().equals(digest)) {
    throw new CheckpointError(path, 'is corrupt (its SHA-256 checksum does not match its contents)', fix);
  }
  const headerLength = body.readUInt32LE(0);
  let header: Header;
  try {
    header = JSON.parse(body.subarray(4, 4 + headerLength).toString('utf8')) as Header;
  } catch {
    throw new CheckpointError(path, 'has an unreadable header', fix);
  }
  if (header.version > CHECKPOINT_VERSION) {
    throw new CheckpointError(path, `is format version ${header.version}, newer than this mesalab reads (${CHECKPOINT_VERSION})`, 'Upgrade mesalab to read it.');
  }
  const dataStart = 4 + headerLength + ((8 - ((4 + headerLength) % 8)) % 8);
  const arrays: Record<string, AnyArray> = {};
  for (const entry of header.arrays) {
    const Ctor = CONSTRUCTORS[entry.kind];
    const start = dataStart + entry.offset;
    const bytes = entry.length * Ctor.BYTES_PER_ELEMENT;
    if (start + bytes > body.length) throw new CheckpointError(path, `is missing the data of array "${entry.name}"`, fix);
    // Copy out so the arrays own aligned memory independent of the file buffer.
    const copy = new Uint8Array(bytes);
    copy.set(body.subarray(start, start + bytes));
    arrays[entry.name] = new Ctor(copy.buffer);
  }
  return { version: header.version, config: header.config as C, state: { json: header.json, arrays } };
}

/** Write atomically: a temporary file, fsync, then rename over `path`. */
export function writeCheckpoint(path: string, config: unknown, state: TrainerState): void {
  const bytes = encodeCheckpoint(config, state);
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

export function readCheckpoint<C = unknown>(path: string): Checkpoint<C> {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (error) {
    throw new CheckpointError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'Check the path: a run directory holds checkpoint.bin.');
  }
  return decodeCheckpoint<C>(file, path);
}
