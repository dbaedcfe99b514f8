/**
 * A tanh MLP actor and a separate tanh MLP critic with backpropagation written out by hand. On the
 * wasm backend a small network's time goes to tfjs's per-op bookkeeping and to its gradient tape,
 * so this network uses a few large ops per layer and no tape: fused matMul + bias, tanh as
 * 2·σ(2z) − 1 (wasm's σ is vectorised, its tanh is not), weight gradients as matMuls against
 * explicit transposes (transposed-operand matMuls are ~10× slower there), bias gradients as a
 * matMul with a row of ones, and one Adam step over all parameters in plain JS, reading the
 * gradients where they live in the wasm heap. The master weights are JS arrays: after each step the
 * weight tensors are replaced, because XNNPACK packs a weight matrix once per tensor and the wasm
 * backend caches that packed copy, so weights written in place would go unseen.
 *
 * Q-networks and classifiers (DQN, behaviour cloning) have no use for a critic: built with
 * `{critic: false}` the network is the actor alone, `values` comes back empty and half the work of
 * every forward and backward pass is saved.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.js';
import type { ActorCriticNetwork, NetworkOutputs } from './actor-critic.js';
import { orthogonalValues } from './init.js';
import { tfSync, type Tf } from './tf.js';

type Tensor = TF.Tensor;
type Tensor2D = TF.Tensor2D;

/** The `values` output of a network built without a critic. */
const NO_VALUES = new Float32Array(0);

interface Layer {
  w: Tensor2D;
  b: TF.Tensor1D;
  readonly inputs: number;
  readonly outputs: number;
}

/** What one forward pass keeps for the backward pass. */
interface Stash {
  x: Tensor2D;
  xT: Tensor2D | undefined;
  actor: Tensor2D[]; // hidden activations
  critic: Tensor2D[];
  batch: number;
}

/** The wasm backend's view of tensor memory: where each tensor's floats live in the heap. */
interface WasmBackend {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
}

export class TanhMlpActorCritic implements ActorCriticNetwork {
  readonly inputSize: number;
  private readonly tf: Tf;
  private readonly backend: WasmBackend;
  private readonly actor: Layer[];
  private readonly critic: Layer[];
  /** Every parameter's master values, in checkpoint order, with its Adam moments. */
  private readonly values: Float32Array[];
  private readonly names: string[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private adamStep = 0;
  private stash: Stash | undefined;
  private readonly ones = new Map<number, Tensor2D>();

  constructor(
    inputs: number,
    readonly actions: number,
    hidden: readonly number[],
    rng: Rng,
    options: { readonly critic?: boolean } = {},
  ) {
    this.tf = tfSync();
    if (this.tf.getBackend() !== 'wasm') throw new Error('TanhMlpActorCritic needs the wasm backend');
    this.backend = this.tf.backend() as unknown as WasmBackend;
    this.inputSize = inputs;
    // CleanRL's layer_init: orthogonal weights with gain √2 in hidden layers, 0.01 at the policy head, 1 at the value head.
    const build = (outputs: number, headGain: number): Layer[] => {
      const sizes = [inputs, ...hidden, outputs];
      return sizes.slice(1).map((out, l) => {
        const gain = l === sizes.length - 2 ? headGain : Math.SQRT2;
        return {
          w: this.tf.tensor2d(orthogonalValues([sizes[l], out], gain, rng), [sizes[l], out]),
          b: this.tf.zeros([out]) as TF.Tensor1D,
          inputs: sizes[l],
          outputs: out,
        };
      });
    };
    this.actor = build(actions, 0.01);
    this.critic = options.critic === false ? [] : build(1, 1);
    this.values = [];
    this.names = [];
    for (const [prefix, layers] of [['actor', this.actor], ['critic', this.critic]] as const) {
      layers.forEach((layer, l) => {
        this.values.push(layer.w.dataSync() as Float32Array, layer.b.dataSync() as Float32Array);
        this.names.push(`${prefix}.${l}.weight`, `${prefix}.${l}.bias`);
      });
    }
    this.m = this.values.map((p) => new Float32Array(p.length));
    this.v = this.values.map((p) => new Float32Array(p.length));
  }

  /** Replace every weight tensor by one made from the master values (see the note at the top). */
  private upload(): void {
    const tf = this.tf;
    let j = 0;
    for (const layers of [this.actor, this.critic]) {
      for (const layer of layers) {
        tf.dispose([layer.w, layer.b]);
        layer.w = tf.tensor2d(this.values[j++], [layer.inputs, layer.outputs]);
        layer.b = tf.tensor1d(this.values[j++]);
      }
    }
  }

  forward(observations: Float32Array, batch: number): NetworkOutputs {
    const tf = this.tf;
    this.release();
    const x = tf.tensor2d(observations.subarray(0, batch * this.inputSize), [batch, this.inputSize]);
    const stash: Stash = { x, xT: undefined, actor: [], critic: [], batch };
    const run = (layers: Layer[], keep: Tensor2D[]): Float32Array => {
      let h = x;
      for (let l = 0; l < layers.length; l++) {
        const z = tf.fused.matMul({ a: h, b: layers[l].w, bias: layers[l].b }) as Tensor2D;
        if (l === layers.length - 1) {
          const out = z.dataSync() as Float32Array;
          z.dispose();
          return out;
        }
        h = this.tanh(z);
        z.dispose();
        keep.push(h);
      }
      throw new Error('unreachable');
    };
    const logits = run(this.actor, stash.actor);
    const values = this.critic.length > 0 ? run(this.critic, stash.critic) : NO_VALUES;
    this.stash = stash;
    return { logits, values };
  }

  backwardAndStep(dLogits: Float32Array, dValues: Float32Array, learningRate: number, maxGradNorm: number): number {
    const tf = this.tf;
    const stash = this.stash;
    if (!stash) throw new Error('backwardAndStep() needs a forward() first');
    stash.xT ??= tf.transpose(stash.x);
    const grads = this.allGradients(dLogits, dValues, stash);
    const norm = this.adam(grads, learningRate, maxGradNorm);
    tf.dispose(grads);
    this.upload();
    return norm;
  }

  /**
   * d loss / d parameter for every parameter, by name, given d loss / d outputs of the last forward
   * (diagnostics and tests; training uses `backwardAndStep`, which reads them in place).
   */
  gradients(dLogits: Float32Array, dValues: Float32Array): Record<string, Float32Array> {
    const tf = this.tf;
    const stash = this.stash;
    if (!stash) throw new Error('gradients() needs a forward() first');
    stash.xT ??= tf.transpose(stash.x);
    const grads = this.allGradients(dLogits, dValues, stash);
    const out: Record<string, Float32Array> = {};
    grads.forEach((g, j) => (out[this.names[j]] = g.dataSync() as Float32Array));
    tf.dispose(grads);
    return out;
  }

  /** The gradients of every parameter, in `values` order. */
  private allGradients(dLogits: Float32Array, dValues: Float32Array, stash: Stash): Tensor[] {
    const tf = this.tf;
    const grads = this.backward(this.actor, stash.actor, tf.tensor2d(dLogits.subarray(0, stash.batch * this.actions), [stash.batch, this.actions]), stash);
    if (this.critic.length > 0) grads.push(...this.backward(this.critic, stash.critic, tf.tensor2d(dValues.subarray(0, stash.batch), [stash.batch, 1]), stash));
    return grads;
  }

  /** Gradients [dW0, db0, dW1, db1, …] of one MLP, given d loss / d output. Disposes `dOut`. */
  private backward(layers: Layer[], hidden: Tensor2D[], dOut: Tensor2D, stash: Stash): Tensor[] {
    const tf = this.tf;
    const grads: Tensor[] = new Array(layers.length * 2);
    const ones = this.onesRow(stash.batch);
    let dz = dOut;
    for (let l = layers.length - 1; l >= 0; l--) {
      const input = l === 0 ? undefined : hidden[l - 1];
      const inputT = l === 0 ? stash.xT! : tf.transpose(input!);
      grads[2 * l] = tf.matMul(inputT, dz);
      grads[2 * l + 1] = tf.matMul(ones, dz);
      if (l > 0) inputT.dispose();
      if (l > 0) {
        const wT = tf.transpose(layers[l].w);
        const dh = tf.matMul(dz, wT);
        wT.dispose();
        // tanh′ = 1 − h²
        const squared = tf.square(input!);
        const slope = tf.sub(1, squared);
        const next = tf.mul(dh, slope) as Tensor2D;
        tf.dispose([squared, slope, dh]);
        dz.dispose();
        dz = next;
      }
    }
    dz.dispose();
    return grads;
  }

  /** Adam (Kingma & Ba 2015, Algorithm 1) after clipping the gradients to a global norm; returns the norm. */
  private adam(grads: Tensor[], learningRate: number, maxGradNorm: number): number {
    const heap = this.backend.wasm.HEAPF32; // re-read: the heap may have grown since the last call
    const offset = (t: Tensor) => this.backend.dataIdMap.get(t.dataId).memoryOffset >> 2;
    let squares = 0;
    for (const g of grads) {
      const o = offset(g);
      for (let i = 0; i < g.size; i++) squares += heap[o + i] * heap[o + i];
    }
    const norm = Math.sqrt(squares);
    const scale = maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1;
    const beta1 = 0.9;
    const beta2 = 0.999;
    const epsilon = 1e-5; // CleanRL's Adam eps for PPO
    this.adamStep++;
    const correction1 = 1 - beta1 ** this.adamStep;
    const correction2 = 1 - beta2 ** this.adamStep;
    for (let j = 0; j < this.values.length; j++) {
      const g0 = offset(grads[j]);
      const w = this.values[j];
      const m = this.m[j];
      const v = this.v[j];
      for (let i = 0; i < m.length; i++) {
        const g = heap[g0 + i] * scale;
        const mi = (m[i] = beta1 * m[i] + (1 - beta1) * g);
        const vi = (v[i] = beta2 * v[i] + (1 - beta2) * g * g);
        w[i] -= (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
      }
    }
    return norm;
  }

  private tanh(z: Tensor2D): Tensor2D {
    const tf = this.tf;
    const doubled = tf.mul(z, 2);
    const sigmoid = tf.sigmoid(doubled);
    const twice = tf.mul(sigmoid, 2);
    const out = tf.sub(twice, 1) as Tensor2D;
    tf.dispose([doubled, sigmoid, twice]);
    return out;
  }

  private onesRow(batch: number): Tensor2D {
    let row = this.ones.get(batch);
    if (!row) {
      row = this.tf.ones([1, batch]) as Tensor2D;
      this.ones.set(batch, row);
    }
    return row;
  }

  private release(): void {
    const s = this.stash;
    if (!s) return;
    this.tf.dispose([s.x, ...(s.xT ? [s.xT] : []), ...s.actor, ...s.critic]);
    this.stash = undefined;
  }

  state(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    this.values.forEach((w, j) => {
      out[this.names[j]] = w.slice();
      out[`adam.m.${this.names[j]}`] = this.m[j].slice();
      out[`adam.v.${this.names[j]}`] = this.v[j].slice();
    });
    out['adam.step'] = Float32Array.of(this.adamStep);
    return out;
  }

  loadState(state: Readonly<Record<string, Float32Array | Float64Array | Int32Array | Uint32Array>>): void {
    this.values.forEach((w, j) => {
      const name = this.names[j];
      const saved = state[name];
      if (!saved) throw new Error(`the saved network has no parameter "${name}": it was made with other settings`);
      if (saved.length !== w.length) throw new Error(`saved parameter "${name}" has ${saved.length} values, this network ${w.length}: it was made with other settings`);
      w.set(saved);
      if (state[`adam.m.${name}`]) this.m[j].set(state[`adam.m.${name}`]);
      if (state[`adam.v.${name}`]) this.v[j].set(state[`adam.v.${name}`]);
    });
    if (state['adam.step']) this.adamStep = state['adam.step'][0];
    this.upload();
  }

  dispose(): void {
    this.release();
    this.tf.dispose([...this.actor.flatMap((l) => [l.w, l.b]), ...this.critic.flatMap((l) => [l.w, l.b]), ...this.ones.values()]);
    this.ones.clear();
  }
}
