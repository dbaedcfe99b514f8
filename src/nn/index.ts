export { loadTf, tfSync, type Tf, type Tensor, type Scalar, type Variable } from './tf.js';
export { customOp, type Forward, type Backward, type LazyGradient } from './custom-op.js';
export { matMul, dense, linear, tanh, relu, activate, constant, sumRows, type Activation } from './ops.js';
export { batchMatMul } from './batch-matmul.js';
export {
  initialValues,
  orthogonalValues,
  standardNormals,
  orthogonal,
  normal,
  uniform,
  constantInit,
  zeros,
  ones,
  type Init,
} from './init.js';
export { Module, StateDictError, type StateDict } from './module.js';
export { Dense, type DenseOptions } from './dense.js';
export { MLP, type MLPOptions } from './mlp.js';
export { Conv2d, conv2d3x3, convOutputSize, type Conv2dOptions, type Layout, type Stride } from './conv2d.js';
export { OneHotEmbedding, type OneHotEmbeddingOptions } from './embedding.js';
export { LayerNorm, layerNorm, type LayerNormOptions } from './layer-norm.js';
export { CausalSelfAttention, type CausalSelfAttentionOptions } from './attention.js';
export { GRUCell, type GRUCellOptions } from './gru.js';
export { Adam, type AdamOptions, type AdamState, type AdamStepResult, type LossFunction } from './adam.js';
export { jsLoss, type JsLossResult } from './js-loss.js';
export { TrainableModule } from './trainable.js';
export type { ActorCriticNetwork, NetworkOutputs } from './actor-critic.js';
export { TanhMlpActorCritic } from './tanh-mlp.js';
export { CnnActorCritic, type PlanesShape } from './cnn-actor-critic.js';
export { GruActorCritic, type RecurrentOutputs } from './gru-actor-critic.js';
export { Transformer, TransformerBlock, type TransformerOptions } from './transformer.js';
