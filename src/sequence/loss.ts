/**
 * The history model's three losses, computed in plain JS from its outputs (a few thousand numbers)
 * with their gradients written out: cross-entropy of the action at RETURN positions, and squared
 * errors of the scaled predicted return (OBSERVATION positions) and of the scaled reward (ACTION
 * positions), each averaged over its own positions. The total is their sum.
 */
import { ACTION_COUNT } from '../histories/tokens.js';
import { jsLoss, logSumExp, maskedMeanSquare } from '../nn/js-loss.js';
import type { Tensor } from '../nn/tf.js';
import type { WindowBatch } from './batch.js';
import type { HistoryModelOutputs } from './model.js';

export interface LossParts {
  action: number;
  predictedReturn: number;
  reward: number;
}

/** The total loss as a tensor; `parts` receives the three terms when the forward pass runs. */
export function historyLoss(outputs: HistoryModelOutputs, batch: WindowBatch, parts: LossParts): Tensor {
  const positions = batch.batch * batch.time;
  const gradLogits = new Float32Array(positions * ACTION_COUNT);
  const gradReturn = new Float32Array(positions);
  const gradReward = new Float32Array(positions);
  return jsLoss([outputs.actionLogits, outputs.predictedReturn, outputs.reward], ([logits, returns, rewards]) => {
    gradLogits.fill(0);
    let actions = 0;
    for (let i = 0; i < positions; i++) if (batch.actionTarget[i] >= 0) actions++;
    let crossEntropy = 0;
    for (let i = 0; i < positions; i++) {
      const target = batch.actionTarget[i];
      if (target < 0) continue;
      const o = i * ACTION_COUNT;
      const logSum = logSumExp(logits, o, ACTION_COUNT);
      crossEntropy += logSum - logits[o + target];
      for (let a = 0; a < ACTION_COUNT; a++) gradLogits[o + a] = (Math.exp(logits[o + a] - logSum) - (a === target ? 1 : 0)) / actions;
    }
    parts.action = actions > 0 ? crossEntropy / actions : 0;
    parts.predictedReturn = maskedMeanSquare(returns, batch.returnTarget, batch.returnMask, gradReturn, positions);
    parts.reward = maskedMeanSquare(rewards, batch.rewardTarget, batch.rewardMask, gradReward, positions);
    return { loss: parts.action + parts.predictedReturn + parts.reward, gradients: [gradLogits, gradReturn, gradReward] };
  });
}
