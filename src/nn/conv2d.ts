/**
 * A 3×3 convolution with padding 1 and stride 1 or 2 (PyTorch's `Conv2d(c, o, 3, stride, padding=1)`),
 * trainable on the wasm backend, where tfjs has no `Conv2DBackpropFilter` kernel. The forward pass
 * and the input gradient are XNNPACK convolutions (the input gradient correlates the output
 * gradient with the flipped kernel; at stride 2, one 2×2 convolution computes its four sub-pixel
 * phases, 2.5× fewer products than dilating the gradient, and tfjs's own Conv2DBackpropInput
 * is a slower naive loop); the kernel gradient is also a convolution, of the input with the
 * output gradient as its kernel, batch and channels swapped:
 *   dW[u, v, c, o] = Σ_{b,i,j} xpad[b, s·i + u, s·j + v, c] · dz[b, i, j, o].
 * All of it runs channels-last (NHWC); the layer accepts and returns NCHW by default, which costs a
 * transpose each way, so a stack of convolutions should run NHWC between its layers.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.js';
import { customOp } from './custom-op.js';
import { orthogonal, zeros, type Init } from './init.js';
import { Module } from './module.js';
import { activationGradient, tanhForward, type Activation } from './ops.js';
import { tfSync, type Tensor, type Variable } from './tf.js';

export type Layout = 'NCHW' | 'NHWC';
export type Stride = 1 | 2;

const KERNEL = 3;
const PADDING = 1;

/** The output height or width of the convolution for an input of `size`. */
export function convOutputSize(size: number, stride: Stride): number {
  return Math.floor((size + 2 * PADDING - KERNEL) / stride) + 1;
}

/**
 * `activation(conv(x, weight) + bias)` for `x` `[batch, height, width, inChannels]` and `weight`
 * `[3, 3, inChannels, outChannels]`; returns `[batch, height', width', outChannels]`.
 */
export function conv2d3x3(x: Tensor, weight: Tensor, bias: Tensor | null, stride: Stride, activation: Activation = 'none'): Tensor {
  const tf = tfSync();
  if (x.rank !== 4) throw new Error(`conv2d3x3: expected an NHWC input of rank 4, got shape [${x.shape}]`);
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const [kh, kw, inChannels, outChannels] = weight.shape as [number, number, number, number];
  if (kh !== KERNEL || kw !== KERNEL || inChannels !== channels) {
    throw new Error(`conv2d3x3: weight of shape [${weight.shape}] does not fit an input with ${channels} channels (expected [3,3,${channels},out])`);
  }
  const outHeight = convOutputSize(height, stride);
  const outWidth = convOutputSize(width, stride);
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [PADDING, PADDING], [PADDING, PADDING], [0, 0]];
  return customOp(
    bias ? [x, weight, bias] : [x, weight],
    (save) => {
      // The kernel itself: tf.fused.conv2d would not fuse relu inside a gradient computation.
      const inputs: Record<string, Tensor> = { x, filter: weight };
      if (bias) inputs.bias = bias;
      let y = tf.engine().runKernel<Tensor>('FusedConv2D', inputs, {
        strides: [stride, stride],
        pad,
        dataFormat: 'NHWC',
        dilations: [1, 1],
        activation: activation === 'relu' ? 'relu' : 'linear',
      });
      if (activation === 'tanh') y = tanhForward(y);
      save([x, weight, y]);
      return y;
    },
    (dy, [xs, w, y]) => {
      const dz = activationGradient(activation, dy, y);
      const inputGradient = (): Tensor => {
        const kernel = w.dataSync() as Float32Array;
        if (stride === 1) {
          // Correlate the output gradient with the flipped kernel, channels swapped.
          const flipped = tf.tensor(flippedKernel(kernel, inChannels, outChannels), [KERNEL, KERNEL, outChannels, inChannels]);
          return tf.conv2d(dz as TF.Tensor4D, flipped as TF.Tensor4D, 1, pad);
        }
        // Stride 2, one 2×2 convolution for the four output phases (sub-pixel form): even rows
        // take tap 1, odd rows taps 2 (same row of dz) and 0 (next row); columns likewise.
        const phases = tf.tensor(phaseKernel(kernel, inChannels, outChannels), [2, 2, outChannels, 4 * inChannels]);
        const padded = tf.pad(dz, [[0, 0], [0, 1], [0, 1], [0, 0]]);
        const byPhase = tf.conv2d(padded as TF.Tensor4D, phases as TF.Tensor4D, 1, 'valid'); // [B, Ho, Wo, (p, q, C)]
        // Interleave the phases: [B·Ho, Wo, p, (q, C)] → [B·Ho, p, Wo, (q, C)] = [B, 2Ho, 2Wo, C].
        const interleaved = tf.reshape(
          tf.transpose(tf.reshape(byPhase, [batch * outHeight, outWidth, 2, 2 * inChannels]), [0, 2, 1, 3]),
          [batch, 2 * outHeight, 2 * outWidth, inChannels],
        );
        return 2 * outHeight === height && 2 * outWidth === width ? interleaved : tf.slice(interleaved, [0, 0, 0, 0], [batch, height, width, inChannels]);
      };
      const weightGradient = (): Tensor => {
        const xT = tf.transpose(xs, [3, 1, 2, 0]); // [C, H, W, B]: batch plays the channels
        const dzT = tf.transpose(dz, [1, 2, 0, 3]); // [Ho, Wo, B, O]: the kernel
        const far = (size: number, out: number): number => KERNEL + stride * (out - 1) - size - PADDING;
        const dw = tf.conv2d(
          xT as TF.Tensor4D,
          dzT as TF.Tensor4D,
          1,
          [[0, 0], [PADDING, far(height, outHeight)], [PADDING, far(width, outWidth)], [0, 0]],
          'NHWC',
          stride,
        ); // [C, 3, 3, O]
        return tf.transpose(dw, [1, 2, 0, 3]);
      };
      const gradients = [inputGradient, weightGradient];
      if (bias) gradients.push(() => tf.sum(tf.reshape(dz, [-1, outChannels]), 0));
      return gradients;
    },
  );
}

/** The kernel for the input gradient at stride 1: w[2−u, 2−v, c, o] stored as `[u, v, o, c]`. */
function flippedKernel(w: Float32Array, inChannels: number, outChannels: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let u = 0; u < KERNEL; u++) {
    for (let v = 0; v < KERNEL; v++) {
      const from = ((KERNEL - 1 - u) * KERNEL + (KERNEL - 1 - v)) * inChannels * outChannels;
      const to = (u * KERNEL + v) * outChannels * inChannels;
      for (let c = 0; c < inChannels; c++) for (let o = 0; o < outChannels; o++) out[to + o * inChannels + c] = w[from + c * outChannels + o];
    }
  }
  return out;
}

/** Which kernel row (or column) serves output phase `phase` through 2×2 tap `tap`, or −1: see the input gradient. */
const PHASE_TAP = [
  [1, -1],
  [2, 0],
];

/** The `[2, 2, outChannels, 4·inChannels]` kernel of the four phases of the stride-2 input gradient. */
function phaseKernel(w: Float32Array, inChannels: number, outChannels: number): Float32Array {
  const out = new Float32Array(4 * outChannels * 4 * inChannels);
  for (let ta = 0; ta < 2; ta++) {
    for (let tb = 0; tb < 2; tb++) {
      for (let p = 0; p < 2; p++) {
        for (let q = 0; q < 2; q++) {
          const kh = PHASE_TAP[p][ta];
          const kw = PHASE_TAP[q][tb];
          if (kh < 0 || kw < 0) continue;
          const from = (kh * KERNEL + kw) * inChannels * outChannels;
          for (let o = 0; o < outChannels; o++) {
            const to = ((ta * 2 + tb) * outChannels + o) * 4 * inChannels + (p * 2 + q) * inChannels;
            for (let c = 0; c < inChannels; c++) out[to + c] = w[from + c * outChannels + o];
          }
        }
      }
    }
  }
  return out;
}

export interface Conv2dOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Default 1. */
  readonly stride?: Stride;
  /** Default 'none'. */
  readonly activation?: Activation;
  /** Input and output layout; default 'NCHW' (PyTorch's). 'NHWC' avoids two transposes per call. */
  readonly layout?: Layout;
  /** Weight initialisation over the `[3·3·inChannels, outChannels]` matrix; default orthogonal √2. */
  readonly init?: Init;
  /** Whether there is a bias (initialised to 0); default true. */
  readonly bias?: boolean;
}

export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly stride: Stride;
  readonly activation: Activation;
  readonly layout: Layout;
  /** `[3, 3, inChannels, outChannels]` (tfjs's HWIO; PyTorch's is `[out, in, 3, 3]`). */
  readonly weight: Variable;
  readonly bias: Variable | null;

  constructor(options: Conv2dOptions, rng: Rng) {
    super();
    this.inChannels = options.inChannels;
    this.outChannels = options.outChannels;
    this.stride = options.stride ?? 1;
    if (this.stride !== 1 && this.stride !== 2) throw new Error(`Conv2d stride must be 1 or 2, got ${String(this.stride)}`);
    this.activation = options.activation ?? 'none';
    this.layout = options.layout ?? 'NCHW';
    this.weight = this.parameter('weight', [KERNEL, KERNEL, this.inChannels, this.outChannels], options.init ?? orthogonal(Math.SQRT2), rng);
    this.bias = options.bias === false ? null : this.parameter('bias', [this.outChannels], zeros, rng);
  }

  /** `[B, C, H, W]` → `[B, O, H', W']` (or the NHWC equivalents), H' = ⌊(H − 1)/stride⌋ + 1. */
  forward(x: Tensor): Tensor {
    const tf = tfSync();
    if (this.layout === 'NHWC') return conv2d3x3(x, this.weight, this.bias, this.stride, this.activation);
    return tf.tidy(() => {
      const y = conv2d3x3(tf.transpose(x, [0, 2, 3, 1]), this.weight, this.bias, this.stride, this.activation);
      return tf.transpose(y, [0, 3, 1, 2]);
    });
  }
}
