import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MesalabError } from '../../src/core/errors.js';
import { loadTf, tfSync } from '../../src/nn/tf.js';

describe('loadTf', () => {
  it('tfSync() says how to fix it when tfjs is not loaded yet', () => {
    assert.throws(() => tfSync(), (error: unknown) => error instanceof MesalabError && /await loadTf\(\)/.test(error.message));
  });

  it('loads the wasm backend once; later calls return the same namespace', async () => {
    const [a, b] = await Promise.all([loadTf(), loadTf()]);
    assert.equal(a, b);
    assert.equal(await loadTf(), a);
    assert.equal(tfSync(), a);
    assert.equal(a.getBackend(), 'wasm');
  });
});
