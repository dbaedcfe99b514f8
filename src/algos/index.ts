/** The base optimizers, in the order `mesalab algos` lists them. */
import { eraseConfig, type Algorithm } from '../train/types.js';
import { bc } from './bc.js';
import { dqn } from './dqn.js';
import { dtPpo } from './dt-ppo.js';
import { planner } from './planner.js';
import { ppo } from './ppo.js';
import { ppoGru } from './ppo-gru.js';
import { qLearning, sarsa } from './q-learning.js';
import { random } from './random.js';
import { reinforce } from './reinforce.js';

export const ALGORITHMS: readonly Algorithm[] = [
  eraseConfig(ppo),
  eraseConfig(ppoGru),
  eraseConfig(dqn),
  eraseConfig(bc),
  eraseConfig(qLearning),
  eraseConfig(sarsa),
  eraseConfig(reinforce),
  eraseConfig(planner),
  eraseConfig(dtPpo),
  eraseConfig(random),
];
