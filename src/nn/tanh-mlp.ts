/**
 * A tanh MLP actor and a separate tanh MLP critic (CleanRL's ppo.py architecture) on the project's
 * own WebAssembly SIMD kernels (`simd/`), with backpropagation written out by hand and Adam in the
 * same memory.
 *
 * Why not tfjs: at this size the arithmetic of a PPO update is about 33 MFLOP, which the kernels
 * here do at about 35 GFLOP/s; through tfjs-wasm the same update spent as much again on per-op
 * bookkeeping, on XNNPACK re-packing every freshly written weight matrix and activation, on
 * transposes and on uploads (about 2.9 ms in all, against 2.3 ms for PyTorch on OpenBLAS). Here the
 * weights, their gradients, Adam's moments and the activations live in one `WebAssembly.Memory`,
 * laid out once; a forward pass is one product and one tanh per layer, a backward pass two products
 * (one, at the first layer), a column sum and a tanh derivative, and the step is one Adam sweep.
 *
 * Layout: every layer's output width is padded to a multiple of 4 (f32x4 lanes) with zero weights
 * and zero biases. The padding stays exactly zero: its activations are tanh(0) = 0, so its weight
 * gradients are 0, so Adam leaves it at 0. The first layer reads the observations unpadded.
 * Checkpoints hold the unpadded `[inputs, outputs]` row-major weights, as before.
 *
 * Numerics: IEEE single precision in one fixed order of operations, so a seed gives the same
 * numbers on every machine (the products sum along k in order; tanh is Eigen's rational
 * approximation, within 6 ulp).
 *
 * Q-networks and classifiers (DQN, behaviour cloning) have no use for a critic: built with
 * `{critic: false}` the network is the actor alone, `values` comes back empty and half the work of
 * every forward and backward pass is saved.
 */
import type { Rng } from '../core/rng.js';
import type { ActorCriticNetwork, NetworkOutputs } from './actor-critic.js';
import { orthogonalValues } from './init.js';
import { assemble, type FunctionBuilder } from './simd/assembler.js';
import { adamKernel, columnSumsKernel, sumSquaresKernel, tanhGradKernel, tanhKernel, transposeKernel } from './simd/elementwise.js';
import { gemm } from './simd/gemm.js';

/** The `values` output of a network built without a critic. */
const NO_VALUES = new Float32Array(0);

const padded = (n: number) => Math.ceil(n / 4) * 4;

/** Byte offsets handed out in order, each region a whole number of f32x4 lanes (16-byte aligned). */
class Regions {
  constructor(public end: number) {}
  take(floats: number): number {
    const at = this.end;
    this.end += padded(floats) * 4;
    return at;
  }
}

interface Layer {
  readonly inputs: number;
  /** Floats per input row: the observation width at the first layer, else the padded width below. */
  readonly inputRow: number;
  readonly outputs: number;
  readonly outputRow: number;
  /**
   * Byte offsets of the weights `[inputRow, outputRow]` and the bias; their gradients and Adam's
   * moments sit at the same offsets in the regions after. `wT`, above the first layer: Wᵀ.
   */
  readonly w: number;
  readonly b: number;
  wT: number;
  /** Kernels: z = h·W + b, dW = hᵀ·dz, dh = dz·Wᵀ. */
  readonly forward: string;
  readonly weightGradient: string;
  readonly inputGradient: string;
}

interface Net {
  readonly prefix: 'actor' | 'critic';
  readonly layers: Layer[];
  /** Byte offsets of each layer's activations `[capacity, outputRow]` and their gradients. */
  out: number[];
  grad: number[];
}

type Kernel = (...args: number[]) => number;

/** The module's functions for these layers: per layer z = h·W + b, dW = hᵀ·dz and (above the first) dh = dz·Wᵀ; then the element-wise kernels. */
function kernelsFor(nets: readonly Net[]): FunctionBuilder[] {
  const functions: FunctionBuilder[] = [];
  for (const net of nets) {
    net.layers.forEach(({ inputRow, outputRow, forward, weightGradient, inputGradient }, l) => {
      functions.push(gemm({ name: forward, n: outputRow, aRow: inputRow, aStep: 1, bRow: outputRow, cRow: outputRow, bias: true }));
      functions.push(gemm({ name: weightGradient, n: outputRow, aRow: 1, aStep: inputRow, bRow: outputRow, cRow: outputRow, bias: false }));
      if (l > 0) functions.push(gemm({ name: inputGradient, n: inputRow, aRow: outputRow, aStep: 1, bRow: inputRow, cRow: inputRow, bias: false }));
    });
  }
  return [...functions, tanhKernel(), tanhGradKernel(), columnSumsKernel(), transposeKernel(), sumSquaresKernel(), adamKernel()];
}

/** Compiled kernels, by network shape: the target network of DQN and every seed's network share them. */
const modules = new Map<string, WebAssembly.Module>();

export class TanhMlpActorCritic implements ActorCriticNetwork {
  readonly inputSize: number;
  private readonly memory: WebAssembly.Memory;
  private readonly kernels: Record<string, Kernel>;
  private readonly nets: Net[];
  /** Parameters, gradients and Adam's moments: four regions of `parameterBytes`, in that order. */
  private readonly parameterBytes: number;
  private readonly gradients0: number;
  private readonly m0: number;
  private readonly v0: number;
  private readonly staticEnd: number;
  private observations0 = 0;
  private capacity = 0;
  private heap: Float32Array;
  private adamStep = 0;
  /** The batch of the last forward pass; 0 when there is none to backpropagate. */
  private batch = 0;

  constructor(
    inputs: number,
    readonly actions: number,
    hidden: readonly number[],
    rng: Rng,
    options: { readonly critic?: boolean } = {},
  ) {
    if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(actions) || actions < 1 || hidden.some((h) => !Number.isInteger(h) || h < 1)) {
      throw new Error(`TanhMlpActorCritic: inputs (${inputs}), actions (${actions}) and hidden sizes (${hidden}) must be positive integers`);
    }
    this.inputSize = inputs;
    const regions = new Regions(0);
    const build = (prefix: 'actor' | 'critic', outputs: number): Net => {
      const sizes = [inputs, ...hidden, outputs];
      const layers = sizes.slice(1).map((out, l): Layer => {
        const inputRow = l === 0 ? inputs : padded(sizes[l]);
        const outputRow = padded(out);
        const name = `${prefix}${l}`;
        return {
          inputs: sizes[l],
          inputRow,
          outputs: out,
          outputRow,
          w: regions.take(inputRow * outputRow),
          b: regions.take(outputRow),
          wT: 0,
          forward: `${name}.forward`,
          weightGradient: `${name}.weightGradient`,
          inputGradient: `${name}.inputGradient`,
        };
      });
      return { prefix, layers, out: [], grad: [] };
    };
    this.nets = [build('actor', actions)];
    if (options.critic !== false) this.nets.push(build('critic', 1));
    this.parameterBytes = regions.end;
    this.gradients0 = this.parameterBytes;
    this.m0 = 2 * this.parameterBytes;
    this.v0 = 3 * this.parameterBytes;
    regions.end = 4 * this.parameterBytes;
    for (const net of this.nets) for (const layer of net.layers.slice(1)) layer.wT = regions.take(layer.inputRow * layer.outputRow);
    this.staticEnd = regions.end;

    const key = `${inputs}|${actions}|${hidden.join(',')}|${this.nets.length}`;
    let module = modules.get(key);
    if (!module) {
      module = new WebAssembly.Module(assemble(kernelsFor(this.nets)));
      modules.set(key, module);
    }
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(this.staticEnd / 65536) + 1 });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.kernels = instance.exports as unknown as Record<string, Kernel>;
    this.heap = new Float32Array(this.memory.buffer);

    // CleanRL's layer_init: orthogonal weights with gain √2 in hidden layers, 0.01 at the policy
    // head, 1 at the value head; biases 0. Drawn actor first, layer by layer, as ever.
    for (const net of this.nets) {
      const headGain = net.prefix === 'actor' ? 0.01 : 1;
      net.layers.forEach((layer, l) => {
        const values = orthogonalValues([layer.inputs, layer.outputs], l === net.layers.length - 1 ? headGain : Math.SQRT2, rng);
        this.writeMatrix(values, layer.w, layer.inputs, layer.outputs, layer.outputRow);
      });
    }
    this.refreshTransposes();
  }

  /** Room for activations of `batch` rows (growing the memory, which renews the heap view). */
  private reserve(batch: number): void {
    if (batch <= this.capacity) return;
    const capacity = Math.max(batch, 2 * this.capacity, 64);
    const regions = new Regions(this.staticEnd);
    this.observations0 = regions.take(capacity * this.inputSize);
    for (const net of this.nets) {
      net.out = net.layers.map((layer) => regions.take(capacity * layer.outputRow));
      net.grad = net.layers.map((layer) => regions.take(capacity * layer.outputRow));
    }
    const pages = Math.ceil(regions.end / 65536) - this.memory.buffer.byteLength / 65536;
    if (pages > 0) this.memory.grow(pages);
    this.heap = new Float32Array(this.memory.buffer);
    this.capacity = capacity;
    this.batch = 0; // activations moved: the last forward pass is gone
  }

  /** Write a `[rows, columns]` matrix into a region whose rows are `row` floats (padding stays 0). */
  private writeMatrix(values: ArrayLike<number>, at: number, rows: number, columns: number, row: number): void {
    const heap = this.heap;
    const base = at >> 2;
    for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) heap[base + i * row + j] = values[i * columns + j];
  }

  private readMatrix(at: number, rows: number, columns: number, row: number): Float32Array {
    const out = new Float32Array(rows * columns);
    const base = at >> 2;
    for (let i = 0; i < rows; i++) out.set(this.heap.subarray(base + i * row, base + i * row + columns), i * columns);
    return out;
  }

  /** Wᵀ of every layer above the first, for the input gradients; after every change of weights. */
  private refreshTransposes(): void {
    for (const net of this.nets) {
      for (const layer of net.layers.slice(1)) this.kernels.transpose(layer.wT, layer.w, layer.inputRow, layer.outputRow);
    }
  }

  forward(observations: Float32Array, batch: number): NetworkOutputs {
    if (!Number.isInteger(batch) || batch < 1 || observations.length < batch * this.inputSize) {
      throw new Error(`forward: ${observations.length} observation values for a batch of ${batch} × ${this.inputSize}`);
    }
    this.reserve(batch);
    const x = this.observations0;
    this.heap.set(observations.subarray(0, batch * this.inputSize), x >> 2);
    const outputs: Float32Array[] = [];
    for (const net of this.nets) {
      let input = x;
      net.layers.forEach((layer, l) => {
        const z = net.out[l];
        this.kernels[layer.forward](z, input, layer.w, batch, layer.inputRow, layer.b);
        if (l < net.layers.length - 1) this.kernels.tanh(z, batch * layer.outputRow);
        input = z;
      });
      const head = net.layers[net.layers.length - 1];
      outputs.push(this.readMatrix(net.out[net.layers.length - 1], batch, head.outputs, head.outputRow));
    }
    this.batch = batch;
    return { logits: outputs[0], values: outputs[1] ?? NO_VALUES };
  }

  backwardAndStep(dLogits: Float32Array, dValues: Float32Array, learningRate: number, maxGradNorm: number): number {
    this.backward(dLogits, dValues, 'backwardAndStep');
    const count = this.parameterBytes >> 2;
    const norm = Math.sqrt(this.kernels.sumSquares(this.gradients0, count));
    const scale = maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1;
    const beta1 = 0.9;
    const beta2 = 0.999;
    const epsilon = 1e-5; // CleanRL's Adam eps for PPO
    this.adamStep++;
    const stepSize = learningRate / (1 - beta1 ** this.adamStep);
    const sqrtCorrection2 = Math.sqrt(1 - beta2 ** this.adamStep);
    this.kernels.adam(0, this.gradients0, this.m0, this.v0, count, scale, beta1, beta2, stepSize, sqrtCorrection2, epsilon);
    this.refreshTransposes();
    return norm;
  }

  /**
   * d loss / d parameter for every parameter, by name, given d loss / d outputs of the last forward
   * (diagnostics and tests; training uses `backwardAndStep`).
   */
  gradients(dLogits: Float32Array, dValues: Float32Array): Record<string, Float32Array> {
    this.backward(dLogits, dValues, 'gradients');
    const out: Record<string, Float32Array> = {};
    for (const net of this.nets) {
      net.layers.forEach((layer, l) => {
        out[`${net.prefix}.${l}.weight`] = this.readMatrix(this.gradients0 + layer.w, layer.inputs, layer.outputs, layer.outputRow);
        out[`${net.prefix}.${l}.bias`] = this.readMatrix(this.gradients0 + layer.b, 1, layer.outputs, layer.outputRow);
      });
    }
    return out;
  }

  /** Every parameter's gradient into the gradient region, from d loss / d outputs of the last forward. */
  private backward(dLogits: Float32Array, dValues: Float32Array, caller: string): void {
    const batch = this.batch;
    if (batch === 0) throw new Error(`${caller}() needs a forward() first`);
    const heads = [dLogits, dValues];
    this.nets.forEach((net, n) => {
      const L = net.layers.length;
      const head = net.layers[L - 1];
      const dOut = heads[n];
      if (dOut.length < batch * head.outputs) throw new Error(`${caller}: ${dOut.length} output gradients for a batch of ${batch} × ${head.outputs}`);
      this.writeMatrix(dOut, net.grad[L - 1], batch, head.outputs, head.outputRow);
      for (let l = L - 1; l >= 0; l--) {
        const layer = net.layers[l];
        const input = l === 0 ? this.observations0 : net.out[l - 1];
        const dz = net.grad[l];
        this.kernels[layer.weightGradient](this.gradients0 + layer.w, input, dz, layer.inputRow, batch);
        this.kernels.columnSums(this.gradients0 + layer.b, dz, batch, layer.outputRow);
        if (l > 0) {
          const dh = net.grad[l - 1];
          this.kernels[layer.inputGradient](dh, dz, layer.wT, batch, layer.outputRow);
          this.kernels.tanhGrad(dh, input, batch * layer.inputRow); // tanh′ = 1 − h²
        }
      }
    });
  }

  state(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    const regions: Array<[string, number]> = [['', 0], ['adam.m.', this.m0], ['adam.v.', this.v0]];
    for (const [prefix, region] of regions) {
      for (const net of this.nets) {
        net.layers.forEach((layer, l) => {
          out[`${prefix}${net.prefix}.${l}.weight`] = this.readMatrix(region + layer.w, layer.inputs, layer.outputs, layer.outputRow);
          out[`${prefix}${net.prefix}.${l}.bias`] = this.readMatrix(region + layer.b, 1, layer.outputs, layer.outputRow);
        });
      }
    }
    out['adam.step'] = Float32Array.of(this.adamStep);
    return out;
  }

  loadState(state: Readonly<Record<string, Float32Array | Float64Array | Int32Array | Uint32Array>>): void {
    const checked: Array<[number, number, number, number, ArrayLike<number>]> = [];
    for (const net of this.nets) {
      net.layers.forEach((layer, l) => {
        for (const [suffix, at, rows] of [['weight', layer.w, layer.inputs], ['bias', layer.b, 1]] as const) {
          const name = `${net.prefix}.${l}.${suffix}`;
          const saved = state[name];
          if (!saved) throw new Error(`the saved network has no parameter "${name}": it was made with other settings`);
          const size = rows * layer.outputs;
          if (saved.length !== size) throw new Error(`saved parameter "${name}" has ${saved.length} values, this network ${size}: it was made with other settings`);
          checked.push([at, rows, layer.outputs, layer.outputRow, saved]);
          for (const [moment, region] of [['adam.m.', this.m0], ['adam.v.', this.v0]] as const) {
            const values = state[`${moment}${name}`];
            if (values) {
              if (values.length !== size) throw new Error(`saved "${moment}${name}" has ${values.length} values, this network ${size}`);
              checked.push([region + at, rows, layer.outputs, layer.outputRow, values]);
            }
          }
        }
      });
    }
    for (const [at, rows, columns, row, values] of checked) this.writeMatrix(values, at, rows, columns, row);
    if (state['adam.step']) this.adamStep = state['adam.step'][0];
    this.refreshTransposes();
  }

  dispose(): void {
    this.batch = 0;
  }
}
