/**
 * The interface between policy-gradient and value-based optimizers and their networks: plain
 * Float32Arrays at the boundary, tensors inside. An optimizer computes its loss's gradient with
 * respect to the network's outputs (in readable JS); the network backpropagates it and steps Adam.
 */
export interface NetworkOutputs {
  /** `[batch, actions]` action logits (or Q-values). */
  readonly logits: Float32Array;
  /** `[batch]` state values (absent for Q-networks). */
  readonly values: Float32Array;
}

export interface ActorCriticNetwork {
  readonly inputSize: number;
  readonly actions: number;
  /** Outputs for `batch` observations laid out `[batch, inputSize]`; keeps what backward needs. */
  forward(observations: Float32Array, batch: number): NetworkOutputs;
  /**
   * Backpropagate d loss / d outputs of the last `forward` (same batch), then take one Adam step
   * with gradients clipped to `maxGradNorm` in global norm. Returns the norm before clipping.
   */
  backwardAndStep(dLogits: Float32Array, dValues: Float32Array, learningRate: number, maxGradNorm: number): number;
  /** Weights and optimizer moments, for checkpoints. */
  state(): Record<string, Float32Array>;
  loadState(state: Readonly<Record<string, Float32Array | Float64Array | Int32Array | Uint32Array>>): void;
  dispose(): void;
}
