/**
 * Return and advantage estimates over a rollout stored time-major, `[T, N]` (step t of copy i at
 * t * N + i), shared by the policy-gradient optimizers.
 *
 * - `gae`: generalized advantage estimation (Schulman et al. 2016, eq. 16), bootstrapping through
 *   truncation but not through termination.
 * - `truncatedReturns`: the myopia control "reward horizon H": the target for step t is
 *   Σ_{k<H} γ^k r_{t+k}, rewards after H steps (or after the episode's end) count for nothing. Steps
 *   whose H-step window runs past the end of the rollout cannot be scored yet; they are masked out
 *   (mask 0), never bootstrapped with a value (which would silently extend the horizon).
 */

export interface RolloutView {
  readonly steps: number;
  readonly envs: number;
  readonly rewards: Float32Array;
  /** The value estimate of the state at each step. */
  readonly values: Float32Array;
  /** 1 where the episode terminated at this step (no bootstrap). */
  readonly terminated: Uint8Array;
  /** 1 where the episode was truncated at this step: bootstrap from `finalValues`. */
  readonly truncated: Uint8Array;
  /** Value of the last observation of a truncated episode (valid where truncated). */
  readonly finalValues: Float32Array;
  /** Value of the observation after the last step of the rollout, per copy. */
  readonly nextValues: Float32Array;
}

/** GAE(γ, λ): writes advantages and returns (= advantages + values), `[T, N]`. */
export function gae(r: RolloutView, gamma: number, lambda: number, advantages: Float32Array, returns: Float32Array): void {
  const { steps, envs } = r;
  for (let i = 0; i < envs; i++) {
    let carry = 0;
    for (let t = steps - 1; t >= 0; t--) {
      const k = t * envs + i;
      let nextValue: number;
      let continues: number;
      if (r.terminated[k]) {
        nextValue = 0;
        continues = 0;
      } else if (r.truncated[k]) {
        nextValue = r.finalValues[k];
        continues = 0;
      } else {
        nextValue = t === steps - 1 ? r.nextValues[i] : r.values[k + envs];
        continues = 1;
      }
      const delta = r.rewards[k] + gamma * nextValue - r.values[k];
      carry = delta + gamma * lambda * continues * carry;
      advantages[k] = carry;
      returns[k] = carry + r.values[k];
    }
  }
}

/**
 * H-step truncated discounted returns, `[T, N]`, and a mask of the steps whose window is complete
 * (it ends within the rollout, or the episode ended first).
 */
export function truncatedReturns(r: RolloutView, gamma: number, horizon: number, returns: Float32Array, mask: Uint8Array): void {
  const { steps, envs } = r;
  for (let i = 0; i < envs; i++) {
    for (let t = 0; t < steps; t++) {
      let total = 0;
      let discount = 1;
      let complete = false;
      let u = t;
      for (let k = 0; k < horizon; k++, u++) {
        if (u >= steps) break;
        const j = u * envs + i;
        total += discount * r.rewards[j];
        discount *= gamma;
        if (r.terminated[j] || r.truncated[j]) {
          complete = true;
          break;
        }
        if (k === horizon - 1) complete = true;
      }
      returns[t * envs + i] = total;
      mask[t * envs + i] = complete ? 1 : 0;
    }
  }
}

/**
 * PPO's advantages and value targets for a rollout: GAE(γ, λ) when there is no reward horizon, else
 * H-step truncated returns with advantage = return − value. `mask[k]` is 1 where step k can be
 * trained on (always, for GAE; where the H-step window is complete, for truncated returns).
 */
export function estimateAdvantages(
  r: RolloutView, gamma: number, lambda: number, rewardHorizon: number,
  advantages: Float32Array, returns: Float32Array, mask: Uint8Array,
): void {
  if (rewardHorizon > 0) {
    truncatedReturns(r, gamma, rewardHorizon, returns, mask);
    for (let k = 0; k < returns.length; k++) advantages[k] = returns[k] - r.values[k];
  } else {
    gae(r, gamma, lambda, advantages, returns);
    mask.fill(1);
  }
}

/** Standardise the first `n` values in place (mean 0, sample standard deviation 1), as PPO does per minibatch. */
export function standardize(values: Float32Array, n: number): void {
  if (n < 2) return;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (values[i] - mean) ** 2;
  const std = Math.sqrt(variance / (n - 1));
  for (let i = 0; i < n; i++) values[i] = (values[i] - mean) / (std + 1e-8);
}
