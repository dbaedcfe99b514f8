import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint } from '../../src/train/checkpoint.js';

const state = {
  json: { steps: 42, nested: { lr: 0.001 } },
  arrays: {
    weights: Float32Array.from([1.5, -2.25, 3.125]),
    moments: Float64Array.from([0.1, 0.2]),
    ids: Int32Array.from([-1, 7]),
    rng: Uint32Array.from([1, 2, 3, 4294967295]),
  },
};

describe('checkpoint files', () => {
  it('round-trip config, JSON and every array type exactly', () => {
    const decoded = decodeCheckpoint(encodeCheckpoint({ env: 'maze' }, state));
    assert.deepEqual(decoded.config, { env: 'maze' });
    assert.deepEqual(decoded.state.json, state.json);
    for (const [name, array] of Object.entries(state.arrays)) {
      assert.equal(decoded.state.arrays[name].constructor, array.constructor);
      assert.deepEqual(Array.from(decoded.state.arrays[name]), Array.from(array));
    }
  });

  it('a flipped byte anywhere after the magic is reported as corruption', () => {
    const bytes = encodeCheckpoint({}, state);
    for (const at of [60, bytes.length - 3]) {
      const broken = Buffer.from(bytes);
      broken[at] ^= 0x01;
      assert.throws(() => decodeCheckpoint(broken, 'x.bin'), /Checkpoint x\.bin is corrupt \(its SHA-256 checksum does not match/);
    }
  });

  it('a truncated file, a foreign file and a newer format fail with what to do', () => {
    const bytes = encodeCheckpoint({}, state);
    assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 8), 'x.bin'), /is corrupt/);
    assert.throws(() => decodeCheckpoint(Buffer.from('{"weights": []}'), 'x.bin'), /is not a mesalab checkpoint/);
    const dir = mkdtempSync(join(tmpdir(), 'mesalab-ckpt-'));
    assert.throws(() => readCheckpoint(join(dir, 'missing.bin')), /cannot be read \(ENOENT\)/);
    // Forge a newer version with a valid checksum, as a future mesalab would write it.
    const { createHash } = require_crypto();
    const text = bytes.toString('latin1').replace('"version":1', '"version":9');
    const forged = Buffer.from(text, 'latin1');
    const body = forged.subarray(19 + 32);
    createHash('sha256').update(body).digest().copy(forged, 19);
    assert.throws(() => decodeCheckpoint(forged, 'x.bin'), /format version 9, newer than this mesalab reads \(1\)/);
  });

  it('writes atomically through a temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesalab-ckpt-'));
    const path = join(dir, 'checkpoint.bin');
    writeCheckpoint(path, { a: 1 }, state);
    writeCheckpoint(path, { a: 2 }, state);
    assert.deepEqual(readCheckpoint(path).config, { a: 2 });
    writeFileSync(join(dir, 'other.bin'), readFileSync(path));
    assert.deepEqual(readCheckpoint(join(dir, 'other.bin')).config, { a: 2 });
  });
});

import { createRequire } from 'node:module';
function require_crypto(): typeof import('node:crypto') {
  return createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
}
