/**
 * `npm run bench [-- AREA]`: machine-readable figures, one JSON line each, with a "bench" name and
 * the unit in the key. Areas: envs, ppo, sequence (all by default). Timings belong here, never in tests.
 */
import { benchEnvironments } from './envs.js';
import { benchGemm, benchPpoTimeTo95, benchPpoTrain, benchPpoUpdate } from './ppo.js';
import { benchSequence } from './sequence.js';

const AREAS: Record<string, () => Promise<void> | void> = {
  envs: () => benchEnvironments(process.argv[3]),
  ppo: async () => {
    await benchPpoUpdate();
    benchGemm();
    await benchPpoTrain();
    await benchPpoTimeTo95();
  },
  sequence: benchSequence,
};

const asked = process.argv[2];
if (asked !== undefined && !(asked in AREAS)) {
  console.error(`Unknown bench area "${asked}". Areas: ${Object.keys(AREAS).join(', ')}.`);
  process.exit(2);
}
for (const [name, run] of Object.entries(AREAS)) if (asked === undefined || asked === name) await run();
