/** A worker thread for the two-core PPO figure: trains one seed and posts its steps per second. */
import { parentPort, workerData } from 'node:worker_threads';
import { ppoTrainRate } from './ppo.js';

const { seed, seconds } = workerData as { seed: number; seconds: number };
parentPort!.postMessage(await ppoTrainRate(seed, seconds));
