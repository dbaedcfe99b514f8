/**
 * The history model: a decoder-only transformer that reads a history in the token layout of
 * `src/histories/tokens.ts` and predicts, at each position, what comes next: the agent's predicted
 * return at OBSERVATION positions, its action at RETURN positions and the reward at ACTION positions
 * (three heads, three losses reported apart).
 *
 * Inputs of a position are summed: an encoding of its token features (kind, phase, oversight, the
 * action of an ACTION position, the reward of the position before when that was an ACTION, the
 * predicted return of a RETURN position), an encoding of its observation (OBSERVATION positions
 * only; the one part tied to a world, replaced when the model moves to another world), and a learned
 * position embedding. A "blind" model zeroes the phase and oversight features: the baseline that
 * ignores both.
 */
import type { Rng } from '../core/rng.js';
import { ACTION_COUNT, PHASES, TOKEN_KINDS } from '../histories/tokens.js';
import type { AdamStepResult, LossFunction } from '../nn/adam.js';
import { Dense } from '../nn/dense.js';
import { normal } from '../nn/init.js';
import { TrainableModule } from '../nn/trainable.js';
import { tfSync, type Tensor, type Variable } from '../nn/tf.js';
import { Transformer } from '../nn/transformer.js';

export interface HistoryModelConfig {
  readonly dim: number;
  readonly heads: number;
  readonly layers: number;
  /** Positions the model sees at once. */
  readonly context: number;
  /** Length of one observation vector in the world it reads. */
  readonly observationSize: number;
  /** Zero the phase and oversight features (the baseline that ignores them). */
  readonly blind: boolean;
}

/** Rewards and returns enter and leave the network divided by this. */
export const VALUE_SCALE = 10;

// Token features, in order: kind one-hot, phase one-hot, watched one-hot, action one-hot (ACTION
// positions), reward in, predicted return in.
export const KIND_OFFSET = 0;
export const PHASE_OFFSET = KIND_OFFSET + TOKEN_KINDS.length;
export const WATCHED_OFFSET = PHASE_OFFSET + PHASES.length;
export const ACTION_OFFSET = WATCHED_OFFSET + 2;
export const REWARD_IN = ACTION_OFFSET + ACTION_COUNT;
export const RETURN_IN = REWARD_IN + 1;
export const TOKEN_FEATURES = RETURN_IN + 1;

export interface HistoryModelOutputs {
  /** `[batch, time, ACTION_COUNT]`. */
  readonly actionLogits: Tensor;
  /** `[batch, time]`, scaled by 1 / VALUE_SCALE. */
  readonly predictedReturn: Tensor;
  /** `[batch, time]`, scaled by 1 / VALUE_SCALE. */
  readonly reward: Tensor;
}

export class HistoryModel extends TrainableModule {
  readonly config: HistoryModelConfig;
  readonly tokenEncoder: Dense;
  readonly observationEncoder: Dense;
  readonly position: Variable;
  readonly body: Transformer;
  readonly actionHead: Dense;
  readonly returnHead: Dense;
  readonly rewardHead: Dense;

  constructor(config: HistoryModelConfig, rng: Rng) {
    super();
    this.config = config;
    const { dim } = config;
    this.tokenEncoder = this.module('tokenEncoder', new Dense({ inputs: TOKEN_FEATURES, outputs: dim, init: normal(0.02) }, rng));
    this.observationEncoder = this.module(
      'observationEncoder',
      new Dense({ inputs: config.observationSize, outputs: dim, bias: false, init: normal(0.02) }, rng),
    );
    this.position = this.parameter('position', [config.context, dim], normal(0.01), rng);
    this.body = this.module('body', new Transformer({ dim, heads: config.heads, layers: config.layers }, rng));
    this.actionHead = this.module('actionHead', new Dense({ inputs: dim, outputs: ACTION_COUNT, init: normal(0.02) }, rng));
    this.returnHead = this.module('returnHead', new Dense({ inputs: dim, outputs: 1, init: normal(0.02) }, rng));
    this.rewardHead = this.module('rewardHead', new Dense({ inputs: dim, outputs: 1, init: normal(0.02) }, rng));
  }

  /** One Adam step on `loss` at learning rate `lr`, gradients clipped to `maxGradNorm`. */
  update(loss: LossFunction, lr: number, maxGradNorm: number): AdamStepResult {
    const adam = this.optimizer(maxGradNorm);
    adam.lr = lr;
    return adam.step(loss);
  }

  /**
   * `tokens` `[batch, time, TOKEN_FEATURES]` and `observations` `[batch, time, observationSize]`
   * (zero rows where a position has none), time ≤ context.
   */
  forward(tokens: Tensor, observations: Tensor): HistoryModelOutputs {
    const tf = tfSync();
    const [batch, time] = tokens.shape as [number, number, number];
    if (time > this.config.context) throw new Error(`HistoryModel: ${time} positions exceed the context of ${this.config.context}`);
    return tf.tidy(() => {
      const position = time === this.config.context ? this.position : tf.slice(this.position, [0, 0], [time, this.config.dim]);
      const embedded = tf.add(tf.add(this.tokenEncoder.forward(tokens), this.observationEncoder.forward(observations)), position);
      const h = this.body.forward(embedded);
      return {
        actionLogits: this.actionHead.forward(h),
        predictedReturn: tf.reshape(this.returnHead.forward(h), [batch, time]),
        reward: tf.reshape(this.rewardHead.forward(h), [batch, time]),
      };
    });
  }
}

/**
 * The same network for a world with observations of another length: every weight copied except the
 * observation encoder, which starts fresh from `rng` (the one part tied to the maze).
 */
export function transferModel(model: HistoryModel, observationSize: number, rng: Rng): HistoryModel {
  const moved = new HistoryModel({ ...model.config, observationSize }, rng);
  const weights = model.stateDict();
  const fresh = moved.stateDict();
  for (const name of Object.keys(fresh)) if (!name.startsWith('observationEncoder.')) fresh[name] = weights[name];
  moved.loadStateDict(fresh);
  return moved;
}
