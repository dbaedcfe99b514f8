/**
 * Differentiable operations with hand-written gradients that are computed lazily, one input at a
 * time. `tf.customGrad` computes every input's gradient eagerly; the engine underneath it asks for
 * the gradient of only those inputs that lie on the path from the variables to the loss, so an op
 * written here skips, for example, the (large) gradient with respect to the observations of a
 * network's first layer. That path is `Engine.runKernelFunc`, which `tf.customGrad` itself uses; it
 * is not in tfjs's typings, so it is reached through the narrow interface below and checked once.
 */
import { MesalabError } from '../core/errors.js';
import { tfSync, type Tensor } from './tf.js';

/** The gradient for one input, computed only if the engine asks for it. */
export type LazyGradient = () => Tensor;

/**
 * Runs the forward pass; `save` keeps tensors (inputs, outputs or intermediates) for `backward`.
 * Intermediates it creates are disposed; the tensor it returns is the op's output.
 */
export type Forward = (save: (tensors: Tensor[]) => void) => Tensor;

/**
 * Given the output's gradient and the saved tensors, returns one lazy gradient per input, in the
 * order of the inputs. Work shared by several inputs belongs in the body, not in the thunks.
 */
export type Backward = (dy: Tensor, saved: readonly Tensor[]) => readonly LazyGradient[];

interface TapeNode {
  saved?: Tensor[];
}

/** The parts of tfjs's Engine used here: public at run time, absent from its typings. */
interface KernelFuncEngine {
  runKernelFunc(invocation: {
    forwardFunc: (backend: unknown, save: (tensors: Tensor[]) => void) => Tensor;
    backwardsFunc: (dy: Tensor, saved: Tensor[]) => Record<string, LazyGradient>;
    inputs: Record<string, Tensor>;
  }): Tensor;
  isTapeOn(): boolean;
  state: { activeTape: TapeNode[] | null };
}

let engine: KernelFuncEngine | undefined;

function kernelEngine(): KernelFuncEngine {
  if (engine) return engine;
  const candidate = tfSync().engine() as unknown as Partial<KernelFuncEngine>;
  if (typeof candidate.runKernelFunc !== 'function' || typeof candidate.isTapeOn !== 'function' || candidate.state === undefined) {
    throw new MesalabError(
      'This version of TensorFlow.js lacks the Engine internals that src/nn/custom-op.ts relies on (runKernelFunc, isTapeOn, state.activeTape): install @tensorflow/tfjs 4.x (see package.json).',
    );
  }
  engine = candidate as KernelFuncEngine;
  return engine;
}

/** The scope name under which custom ops are recorded; no tfjs kernel has this name. */
const SCOPE = 'mesalab.customOp';

/**
 * Apply a differentiable op with a hand-written, lazily evaluated gradient.
 *
 * Saved tensors are aliases (new handles on the same data), not the copies that tfjs's own `save`
 * makes (its Identity kernel copies on wasm, about 12 µs per 256×64). The aliases are added to the
 * op's tape node, whose saved tensors the engine disposes when the gradient computation ends.
 */
export function customOp(inputs: readonly Tensor[], forward: Forward, backward: Backward): Tensor {
  const tf = tfSync();
  const named: Record<string, Tensor> = {};
  for (let i = 0; i < inputs.length; i++) named[i] = inputs[i];
  const kernel = kernelEngine();
  const taping = kernel.isTapeOn();
  let saved: Tensor[] = [];
  // A named scope, so that the tape node is never mistaken for a registered kernel with a gradient.
  return tf.tidy(SCOPE, () => {
    const tape = kernel.state.activeTape;
    const nodes = tape?.length ?? 0;
    let out: Tensor;
    try {
      out = kernel.runKernelFunc({
        forwardFunc: (_backend, _save) =>
          forward((tensors) => {
            // The tape is off inside a kernel, so these reshapes are not recorded; keep() lets them outlive the scope.
            if (taping) saved = tensors.map((t) => tf.keep(tf.reshape(t, t.shape)));
          }),
        backwardsFunc: (dy) => {
          const gradients = backward(dy, saved);
          const byName: Record<string, LazyGradient> = {};
          for (let i = 0; i < gradients.length; i++) byName[i] = gradients[i];
          return byName;
        },
        inputs: named,
      });
    } catch (error) {
      tf.dispose(saved);
      throw error;
    }
    if (taping) {
      const node = tape !== null && tape.length === nodes + 1 ? tape[nodes] : undefined;
      if (node?.saved === undefined) {
        tf.dispose(saved);
        throw new MesalabError('src/nn/custom-op.ts: the tfjs tape did not record the op as expected; this tfjs version is not supported.');
      }
      node.saved.push(...saved);
    }
    return out;
  });
}
