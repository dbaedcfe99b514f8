/**
 * Trajectories as compact blobs: actions one byte each, frames as UTF-8 JSON, visited cells as
 * little-endian int32, each deflated with node:zlib. Frames are mostly the same board again, so
 * they shrink the most.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { MesalabError } from '../core/errors.js';
import type { Trajectory, TrajectoryInput } from './types.js';

export interface TrajectoryBlobs {
  readonly actions: Buffer;
  readonly frames: Buffer | null;
  readonly cells: Buffer | null;
}

export function encodeTrajectory(trajectory: TrajectoryInput): TrajectoryBlobs {
  trajectory.actions.forEach((a, t) => {
    if (!Number.isInteger(a) || a < 0 || a > 255) throw new MesalabError(`Trajectory action ${t} is ${a}; actions are stored as bytes (integers 0 to 255).`);
  });
  const actions = Uint8Array.from(trajectory.actions);
  let cells: Buffer | null = null;
  if (trajectory.cells !== undefined) {
    const ints = Int32Array.from(trajectory.cells);
    const bytes = Buffer.alloc(ints.length * 4);
    ints.forEach((c, i) => bytes.writeInt32LE(c, i * 4));
    cells = deflateSync(bytes);
  }
  return {
    actions: deflateSync(actions),
    frames: trajectory.frames === undefined ? null : deflateSync(Buffer.from(JSON.stringify(trajectory.frames), 'utf8')),
    cells,
  };
}

export function decodeTrajectory(episodeId: number, blobs: TrajectoryBlobs): Trajectory {
  let cells: Int32Array | null = null;
  if (blobs.cells !== null) {
    const bytes = inflateSync(blobs.cells);
    cells = new Int32Array(bytes.length / 4);
    for (let i = 0; i < cells.length; i++) cells[i] = bytes.readInt32LE(i * 4);
  }
  return {
    episodeId,
    actions: new Uint8Array(inflateSync(blobs.actions)),
    frames: blobs.frames === null ? null : (JSON.parse(inflateSync(blobs.frames).toString('utf8')) as string[]),
    cells,
  };
}
