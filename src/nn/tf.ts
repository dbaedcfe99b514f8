/**
 * Loading TensorFlow.js on its WebAssembly backend. tfjs is loaded through `require` because the
 * `@tensorflow/tfjs` CommonJS bundle is the build that Node can load and that registers gradients;
 * the wasm backend is chosen because the pure-JS `cpu` backend is 4–50× slower on this kind of
 * machine (see shared/notes/ml-core.md). Everything in `src/nn` reaches tfjs through `tfSync()`.
 */
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';
import { MesalabError } from '../core/errors.js';

/** The tfjs namespace, as `import * as tf from '@tensorflow/tfjs'` would give it. */
export type Tf = typeof TF;
export type Tensor = TF.Tensor;
export type Scalar = TF.Scalar;
export type Variable = TF.Variable;

let tf: Tf | undefined;
let loading: Promise<Tf> | undefined;

/**
 * Load tfjs, select the wasm backend and wait until it is ready. Idempotent: every call returns
 * the same promise. tfjs's console warnings are switched off (its `PROD` flag only gates logging),
 * so command-line output stays clean.
 */
export function loadTf(): Promise<Tf> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const lib = require('@tensorflow/tfjs') as Tf;
    require('@tensorflow/tfjs-backend-wasm');
    lib.env().set('PROD', true);
    if (!(await lib.setBackend('wasm'))) {
      throw new MesalabError('TensorFlow.js could not start its wasm backend: is @tensorflow/tfjs-backend-wasm installed? Run "npm install".');
    }
    await lib.ready();
    tf = lib;
    return lib;
  })();
  return loading;
}

/** The loaded tfjs namespace. Throws if `loadTf()` has not finished yet. */
export function tfSync(): Tf {
  if (tf === undefined) {
    throw new MesalabError(
      'TensorFlow.js is not loaded yet: call "await loadTf()" (from src/nn) once before building or running networks.',
    );
  }
  return tf;
}
