/**
 * Batched matrix products `[G, M, K] · [G, K, N] → [G, M, N]` (attention's per-head products).
 * The wasm backend sends batched and transposed matMuls to a naive C loop (about 0.8 GMAC/s); a
 * depthwise convolution, which XNNPACK runs fast, computes the same sums: with the batch as
 * channels, A as the image `[1, M, K, G]` and B as the kernel `[1, K, G, N]`, a valid 1×K
 * depthwise convolution with channel multiplier N gives out[0, m, 0, g·N + n] = Σ_k A[g,m,k]·B[g,k,n].
 * About 4× faster than tf.matMul at G=128, M=K=64, N=16, transposes included.
 */
import type * as TF from '@tensorflow/tfjs';
import { customOp } from './custom-op.js';
import { tfSync, type Tensor } from './tf.js';

/** The product without a gradient (for use inside custom ops). */
export function batchMatMulForward(a: Tensor, b: Tensor): Tensor {
  const tf = tfSync();
  const [g, m, k] = a.shape as [number, number, number];
  const n = b.shape[2] as number;
  if (b.rank !== 3 || b.shape[0] !== g || b.shape[1] !== k) {
    throw new Error(`batchMatMul: shapes [${a.shape}] and [${b.shape}] do not fit [G, M, K] · [G, K, N]`);
  }
  return tf.tidy(() => {
    const image = tf.reshape(tf.transpose(a, [1, 2, 0]), [1, m, k, g]) as TF.Tensor4D;
    const kernel = tf.reshape(tf.transpose(b, [1, 0, 2]), [1, k, g, n]) as TF.Tensor4D;
    const out = tf.depthwiseConv2d(image, kernel, 1, 'valid'); // [1, M, 1, G·N]
    return tf.transpose(tf.reshape(out, [m, g, n]), [1, 0, 2]);
  });
}

/** `a · b` per batch entry, for `a` `[G, M, K]` and `b` `[G, K, N]`. */
export function batchMatMul(a: Tensor, b: Tensor): Tensor {
  const tf = tfSync();
  return customOp(
    [a, b],
    (save) => {
      save([a, b]);
      return batchMatMulForward(a, b);
    },
    (dy, [sa, sb]) => [
      () => batchMatMulForward(dy, tf.transpose(sb, [0, 2, 1])),
      () => batchMatMulForward(tf.transpose(sa, [0, 2, 1]), dy),
    ],
  );
}
