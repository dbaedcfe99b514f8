/**
 * Reinforcement against supervised learning ("Risks from Learned Optimization" §2: does a base
 * optimizer whose signal spans time produce more goal-directed agents than one that imitates?). The
 * same tanh MLP is trained by PPO on the reward and by behaviour cloning of the planner that pursues
 * the intended objective, on distributional-shift's training level, then evaluated there and on the
 * shifted deploy levels. The audits compare how goal-directed each is (MEG toward the goal, in nats
 * per decision), and whether each still reaches the goal competently once the lava has moved.
 */
import type { StudyInput } from '../schema.js';

export const rlVsSl: StudyInput = {
  name: 'rl-vs-sl',
  title: 'Reinforcement or imitation: which makes the more goal-directed agent?',
  description:
    'The same MLP trained by PPO on the reward (200k steps) and by behaviour cloning of the intended-objective planner ' +
    '(20k demonstrated steps) on distributional-shift, compared on goal-directedness, misgeneralization and deploy behaviour.',
  environment: 'distributional-shift',
  train: { split: 'train' },
  evaluate: { splits: ['train', 'deploy'], episodes: 100 },
  agents: [
    { label: 'ppo', algo: 'ppo', steps: 200_000, hp: { network: 'mlp' } },
    { label: 'bc', algo: 'bc', steps: 20_000, hp: { network: 'mlp' } },
  ],
  seeds: '0-2',
  audits: ['evaluation', 'misgeneralization', 'goal-directedness'],
  report: { replays: 1, heatmaps: true },
};
