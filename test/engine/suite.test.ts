/**
 * Properties every environment and split must have: determinism, invariants under a random-action
 * fuzz (more than 100,000 steps in all), and a vectorised engine that runs exactly the episodes of N
 * single environments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { Env } from '../../src/engine/env.js';
import { resolveParams } from '../../src/engine/knobs.js';
import { intendedIndex, planeSize } from '../../src/engine/spec.js';
import { VectorEnv } from '../../src/engine/vector.js';
import { ENVIRONMENTS } from '../../src/envs/index.js';

const FUZZ_STEPS_PER_SPLIT = 6_000;
const AGENT_CHANNELS = ['agent', 'mouse'];
/** Environments whose levels are generated from the seed (the others have fixed layouts). */
const PROCEDURAL = ['maze', 'keys-chests', 'monsters'];

const cases = ENVIRONMENTS.flatMap((spec) =>
  Object.keys(spec.splits).map((split) => ({
    spec,
    split,
    params: resolveParams(spec.name, spec.knobs, spec.splits[split]),
  })),
);

function trajectory(env: Env, seed: number, actionSeed: number, steps: number): unknown[] {
  const actions = new Rng(actionSeed);
  const out: unknown[] = [];
  let r = env.reset(seed);
  out.push(Array.from(r.observation.planes), r.observation.stateId, env.render());
  for (let t = 0; t < steps; t++) {
    const s = env.step(actions.int(env.actionCount));
    out.push(Array.from(s.observation.planes), s.reward, s.info.objectives, s.terminated, s.truncated);
    if (s.terminated || s.truncated) {
      r = env.reset();
      out.push('reset', env.render());
    }
  }
  return out;
}

describe('every environment and split', () => {
  it('there are at least the two splits train and deploy everywhere, and one intended objective', () => {
    for (const spec of ENVIRONMENTS) {
      assert.ok('train' in spec.splits && 'deploy' in spec.splits, `${spec.name} lacks train/deploy`);
      assert.equal(spec.objectives.filter((o) => o.intended).length, 1, spec.name);
      assert.equal(new Set(spec.actions.map((a) => a.letter)).size, spec.actions.length, `${spec.name}: duplicate letters`);
      assert.ok('horizon' in spec.knobs, `${spec.name} has no horizon knob`);
    }
  });

  for (const { spec, split, params } of cases) {
    describe(`${spec.name}/${split}`, () => {
      it('same seed, same episode', () => {
        const a = trajectory(new Env(spec, params, split), 11, 5, 300);
        const b = trajectory(new Env(spec, params, split), 11, 5, 300);
        assert.deepEqual(a, b);
      });

      if (PROCEDURAL.includes(spec.name)) {
        it('different seeds give different levels', () => {
          const env = new Env(spec, params, split);
          const levels = new Set<string>();
          for (let seed = 0; seed < 30; seed++) {
            env.reset(seed);
            levels.add(env.render());
          }
          assert.ok(levels.size >= 25, `only ${levels.size} distinct levels in 30 seeds`);
        });
      }

      it(`holds its invariants over ${FUZZ_STEPS_PER_SPLIT} random steps`, () => {
        const env = new Env(spec, params, split);
        const shape = env.shape;
        const size = shape.height * shape.width;
        const agentChannel = shape.channels.findIndex((c) => AGENT_CHANNELS.includes(c));
        assert.ok(agentChannel >= 0, `${spec.name} has no agent plane (one of ${AGENT_CHANNELS})`);
        const stateCount = spec.stateCount(params);
        const intended = spec.objectives[intendedIndex(spec)].name;
        const actions = new Rng(99);
        let observation = env.reset(1).observation;
        let rewardSum = 0;
        const sums: Record<string, number> = Object.fromEntries(spec.objectives.map((o) => [o.name, 0]));
        let performanceSum = 0;
        let episodes = 0;
        for (let t = 0; t < FUZZ_STEPS_PER_SPLIT; t++) {
          assert.equal(observation.planes.length, planeSize(shape));
          let agents = 0;
          for (let i = 0; i < observation.planes.length; i++) {
            const v = observation.planes[i];
            assert.ok(v === 0 || v === 1, `plane value ${v} is not 0/1`);
          }
          for (let cell = 0; cell < size; cell++) agents += observation.planes[agentChannel * size + cell];
          assert.equal(agents, 1, `${agents} agent cells on the board`);
          if (stateCount === null) assert.equal(observation.stateId, -1);
          else assert.ok(observation.stateId >= 0 && observation.stateId < stateCount, `state id ${observation.stateId} of ${stateCount}`);
          const rendered = env.render().split('\n');
          assert.equal(rendered.length, shape.height);
          for (const line of rendered) assert.equal(line.length, shape.width);

          const result = env.step(actions.int(env.actionCount));
          assert.ok(!(result.terminated && result.truncated));
          assert.ok(Number.isFinite(result.reward));
          rewardSum += result.reward;
          performanceSum += result.info.performance;
          assert.equal(result.info.performance, result.info.objectives[intended]);
          for (const o of spec.objectives) sums[o.name] += result.info.objectives[o.name];
          assert.ok(result.info.step <= env.horizon);
          if (result.truncated) assert.equal(result.info.step, env.horizon);
          observation = result.observation;
          if (result.terminated || result.truncated) {
            const e = result.info.episode;
            assert.ok(e, 'the last step carries the episode totals');
            assert.equal(e.return, rewardSum);
            assert.equal(e.performance, performanceSum);
            assert.deepEqual(e.objectives, sums);
            assert.equal(e.terminated, result.terminated);
            assert.equal(e.truncated, result.truncated);
            rewardSum = 0;
            performanceSum = 0;
            for (const k of Object.keys(sums)) sums[k] = 0;
            episodes++;
            observation = env.reset().observation;
          } else {
            assert.equal(result.info.episode, undefined);
          }
        }
        assert.ok(episodes > 0, 'no episode ended in the fuzz');
      });

      it('the vectorised engine runs the same episodes as N single environments', () => {
        const n = 5;
        const seed = 20;
        const vec = new VectorEnv(spec, params, n);
        const singles = Array.from({ length: n }, () => new Env(spec, params, split));
        vec.reset(seed);
        singles.forEach((env, i) => env.reset(seed + i));
        const actionRng = new Rng(4);
        const actions = new Int32Array(n);
        const k = spec.objectives.length;
        const p = vec.planeSize;
        let ended = 0;
        for (let t = 0; t < 1500; t++) {
          for (let i = 0; i < n; i++) actions[i] = actionRng.int(singles[i].actionCount);
          vec.step(actions);
          for (let i = 0; i < n; i++) {
            const s = singles[i].step(actions[i]);
            assert.equal(vec.rewards[i], s.reward);
            assert.equal(vec.terminated[i], s.terminated ? 1 : 0);
            assert.equal(vec.truncated[i], s.truncated ? 1 : 0);
            spec.objectives.forEach((o, j) => assert.equal(vec.objectives[i * k + j], s.info.objectives[o.name]));
            let obs = s.observation;
            if (s.terminated || s.truncated) {
              ended++;
              const e = s.info.episode!;
              assert.deepEqual(Array.from(vec.finalPlanes.subarray(i * p, (i + 1) * p)), Array.from(obs.planes));
              assert.equal(vec.episodeReturn[i], e.return);
              assert.equal(vec.episodePerformance[i], e.performance);
              assert.equal(vec.episodeLength[i], e.steps);
              assert.equal(vec.finalStateIds[i], obs.stateId);
              spec.objectives.forEach((o, j) => assert.equal(vec.episodeObjectives[i * k + j], e.objectives[o.name]));
              obs = singles[i].reset().observation;
            }
            assert.deepEqual(Array.from(vec.planes.subarray(i * p, (i + 1) * p)), Array.from(obs.planes), `copy ${i} step ${t}`);
            assert.equal(vec.stateIds[i], obs.stateId);
          }
        }
        assert.ok(ended > 0, 'no episode ended');
      });
    });
  }

  for (const { spec, split, params } of cases) {
    it(`${spec.name}/${split}: a VectorEnv restored from a snapshot continues exactly like the original`, () => {
      const n = 4;
      const original = new VectorEnv(spec, params, n);
      original.reset(7);
      const rng = new Rng(8);
      const actions = new Int32Array(n);
      const stepBoth = (envs: VectorEnv[], steps: number, trace: unknown[][]) => {
        for (let t = 0; t < steps; t++) {
          for (let i = 0; i < n; i++) actions[i] = rng.int(spec.actions.length);
          envs.forEach((env, e) => {
            env.step(actions);
            trace[e].push(Array.from(env.planes), Array.from(env.rewards), Array.from(env.objectives), Array.from(env.terminated),
              Array.from(env.truncated), Array.from(env.stateIds), Array.from(env.episodeSteps),
              // Episode totals are valid only where an episode just ended.
              Array.from(env.episodeReturn, (r, i) => (env.terminated[i] || env.truncated[i] ? r : null)));
          });
        }
      };
      stepBoth([original], 137, [[]]);
      const snapshot = original.snapshot();
      const restored = new VectorEnv(spec, params, n);
      restored.restore(snapshot);
      assert.deepEqual(Array.from(restored.planes), Array.from(original.planes));
      const traces: unknown[][] = [[], []];
      stepBoth([original, restored], 400, traces);
      assert.deepEqual(traces[1], traces[0]);
    });
  }

  it('restore() rejects a snapshot from another environment or size, naming the array', () => {
    const { spec, params } = cases[0];
    const vec = new VectorEnv(spec, params, 2);
    vec.reset(0);
    assert.throws(() => new VectorEnv(spec, params, 3).restore(vec.snapshot()), /snapshot has 2 copies/);
    assert.throws(() => new VectorEnv(spec, params, 3).restoreArrays(vec.snapshotArrays()), /Checkpoint array "vec.episodeSteps" has 2 entries where 3 copies of absent-supervisor need 3/);
    assert.throws(() => new VectorEnv(spec, params, 2).restoreArrays({}), /Checkpoint array "vec.episodeSteps" is missing/);
  });

  it(`fuzzes at least 100,000 steps in all`, () => {
    assert.ok(cases.length * FUZZ_STEPS_PER_SPLIT >= 100_000, `${cases.length} splits × ${FUZZ_STEPS_PER_SPLIT}`);
  });
});
