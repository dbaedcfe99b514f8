/**
 * Reward scaling as gym's NormalizeReward wrapper does it (used by CleanRL's continuous PPO): each
 * reward is divided by the running standard deviation of the discounted return, then clipped, so
 * value targets stay near unit scale whatever the environment's reward constants are. Its running
 * statistics are part of the trainer's state.
 */
export class RewardScaler {
  /** Running discounted return of each copy. */
  readonly returns: Float64Array;
  count = 1e-4;
  mean = 0;
  variance = 1;

  constructor(
    envs: number,
    private readonly gamma: number,
    private readonly clip = 10,
  ) {
    this.returns = new Float64Array(envs);
  }

  /** Scale one step's rewards in place; `done[i]` restarts copy i's return after this step. */
  scale(rewards: Float32Array, offset: number, raw: Float64Array, done: (i: number) => boolean): void {
    const n = this.returns.length;
    // Update the running moments with this step's batch of returns (Chan et al.'s parallel update).
    let batchMean = 0;
    for (let i = 0; i < n; i++) {
      this.returns[i] = this.returns[i] * this.gamma + raw[i];
      batchMean += this.returns[i];
    }
    batchMean /= n;
    let batchVariance = 0;
    for (let i = 0; i < n; i++) batchVariance += (this.returns[i] - batchMean) ** 2;
    batchVariance /= n;
    const total = this.count + n;
    const delta = batchMean - this.mean;
    this.mean += (delta * n) / total;
    this.variance = (this.variance * this.count + batchVariance * n + (delta * delta * this.count * n) / total) / total;
    this.count = total;
    const std = Math.sqrt(this.variance + 1e-8);
    for (let i = 0; i < n; i++) {
      rewards[offset + i] = Math.max(-this.clip, Math.min(this.clip, raw[i] / std));
      if (done(i)) this.returns[i] = 0;
    }
  }

  state(): Float64Array {
    return Float64Array.of(this.count, this.mean, this.variance, ...this.returns);
  }

  load(state: Float64Array): void {
    [this.count, this.mean, this.variance] = [state[0], state[1], state[2]];
    this.returns.set(state.subarray(3));
  }
}
