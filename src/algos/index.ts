/** The base optimizers, in the order `mesalab algos` lists them. */
import type { Algorithm } from '../train/types.js';
import { random } from './random.js';

export const ALGORITHMS: readonly Algorithm[] = [random as unknown as Algorithm];
