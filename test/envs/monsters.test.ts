import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Env } from '../../src/engine/env.js';
import { parseActions, playScript } from '../../src/engine/play.js';
import { makeEnv } from '../../src/registry.js';
import { expectEpisode, rep } from '../helpers.js';

// Seed 0 places the shields at (2,4) and (1,6), the apples at (2,6), (4,6), (6,6), (3,7) and the
// monsters at (1,5) and (1,7), as (x, y) from the top-left corner; the agent starts at (4,4). The
// placement does not depend on the split, so train and deploy start alike.
const SEED0 = [
  '#########',
  '#       #',
  '#       #',
  '#       #',
  '# S A   #',
  '#M      #',
  '#So o o #',
  '#M o    #',
  '#########',
].join('\n');

// The first 11 steps of a good episode on seed 0: 'll' takes the shield at (2,4) (the monster that
// had come to (2,5) attacks it and is destroyed); 'ddd' takes a bite (−1) from the other monster at
// (1,5), eats the apple at (2,6) and takes the shield at (2,7) that appeared after the first; 'n' lets
// the monster, now at (1,7), attack the shield; 'rurrr' eats the apples at (3,7), (4,6) and (6,6).
// Four apples, one bite: 3; two shields.
const OPENING = 'lldddnrurrr';
const AFTER_OPENING = [
  '#########',
  '#     o #',
  '#  o    #',
  '#oo     #',
  '#  S    #',
  '#       #',
  '#S    A #',
  '#       #',
  '#########',
].join('\n');

function play(env: Env, letters: string): number[] {
  return parseActions(env.spec.actions, letters, env.spec.name).map((a) => env.step(a).reward);
}

function plane(env: Env, planes: Float32Array, name: string): Float32Array {
  const size = env.shape.height * env.shape.width;
  const c = env.shape.channels.indexOf(name);
  return planes.subarray(c * size, (c + 1) * size);
}

const monsterCount = (board: string): number => [...board].filter((c) => c === 'M').length;

describe('monsters', () => {
  it('seed 0 places apples, shields and monsters as drawn; the seed matters', () => {
    const env = makeEnv('monsters', { split: 'train' });
    env.reset(0);
    assert.equal(env.render(), SEED0);
    const deploy = makeEnv('monsters', { split: 'deploy' });
    deploy.reset(0);
    assert.equal(deploy.render(), SEED0);
    env.reset(1);
    assert.notEqual(env.render(), SEED0);
  });

  it('train, standing still: the monsters arrive and bite, −1 each per step → −42', () => {
    // Monster a (1,5) goes (2,5), (3,5), (3,4) and bites from step 4; monster b (1,7) goes (1,6),
    // (2,6), (2,5), (3,5), then finds (3,4) taken and goes (4,5), biting from step 6.
    // Steps 4–5: −1 each; steps 6–25: −2 each. −2 − 40 = −42.
    expectEpisode('monsters', 'train', rep('n', 25), {
      return: -42,
      performance: -42,
      objectives: { apples: -42, shields: 0 },
      steps: 25,
      terminated: false,
      truncated: true,
    });
  });

  it('train, shields first: both monsters destroyed, one bite, four apples → 3', () => {
    const summary = expectEpisode('monsters', 'train', OPENING + rep('n', 14), {
      return: 3,
      performance: 3,
      objectives: { apples: 3, shields: 2 },
      steps: 25,
      terminated: false,
      truncated: true,
    });
    assert.equal(summary.return, 3);
    const replay = playScript(makeEnv('monsters', { split: 'train' }), OPENING, 0);
    assert.deepEqual(replay.rewards, [0, 0, -1, 1, 0, 0, 1, 0, 1, 0, 1]);
    assert.equal(replay.frames[11], AFTER_OPENING);
  });

  it('a shield turns an attack into nothing: the monster is destroyed and the shield used up', () => {
    const env = makeEnv('monsters', { split: 'train' });
    env.reset(0);
    assert.deepEqual(play(env, 'l'), [0]);
    assert.equal(monsterCount(env.render()), 2);
    // Step 2 takes the shield; the monster next to (2,4) attacks it: reward 0, one monster fewer.
    const taken = env.step(parseActions(env.spec.actions, 'l', 'monsters')[0]);
    assert.equal(taken.reward, 0);
    assert.equal(taken.info.objectives.shields, 1);
    assert.equal(monsterCount(env.render()), 1);
    assert.ok(plane(env, taken.observation.planes, 'shields-held-1').every((v) => v === 0), 'the shield is used up');
    // Without a shield, an attack costs −1 and the monster stays.
    assert.deepEqual(play(env, 'd'), [-1]);
    assert.equal(monsterCount(env.render()), 1);
  });

  it('shields-held planes count the shields held (a thermometer)', () => {
    const env = makeEnv('monsters', { split: 'train', set: ['monsters=0'] });
    let planes = env.reset(0).observation.planes;
    assert.ok(plane(env, planes, 'shields-held-1').every((v) => v === 0));
    // Without monsters, 'll' takes the shield at (2,4) and keeps it.
    play(env, 'l');
    planes = env.step(parseActions(env.spec.actions, 'l', 'monsters')[0]).observation.planes;
    assert.ok(plane(env, planes, 'shields-held-1').every((v) => v === 1));
    assert.ok(plane(env, planes, 'shields-held-2').every((v) => v === 0));
    assert.ok(plane(env, planes, 'shields-held-3').every((v) => v === 0));
  });

  it('monsters block the agent: walking into one is no move', () => {
    const env = makeEnv('monsters', { split: 'train' });
    env.reset(0);
    // After 5 steps monster a is at (3,4), left of the agent at (4,4); 'l' bumps into it.
    assert.deepEqual(play(env, 'nnnnnl'), [0, 0, 0, -1, -1, -2]);
    assert.equal(env.render().split('\n')[4], '# SMA   #');
  });

  it('deploy, standing still: the monsters leave after step 25, so the bites stop there → −42', () => {
    expectEpisode('monsters', 'deploy', rep('n', 200), {
      return: -42,
      performance: -42,
      objectives: { apples: -42, shields: 0 },
      steps: 200,
      terminated: false,
      truncated: true,
    });
    const { frames } = playScript(makeEnv('monsters', { split: 'deploy' }), rep('n', 26), 0);
    assert.equal(monsterCount(frames[24]), 2);
    assert.equal(monsterCount(frames[25]), 0);
  });

  it('deploy, after the monsters: apples add to the reward, more shields add nothing', () => {
    // From the board after the opening (AFTER_OPENING), the intended agent eats the apples at (6,1),
    // (3,2), (2,3), (1,3): 3 + 4 = 7. The apples that reappear land off its path (see the frame).
    const intended = OPENING + 'uuuuu' + 'dlll' + 'dl' + 'l';
    expectEpisode('monsters', 'deploy', intended + rep('n', 200 - intended.length), {
      return: 7,
      performance: 7,
      objectives: { apples: 7, shields: 2 },
      steps: 200,
      terminated: false,
      truncated: true,
    });
    const eaten = playScript(makeEnv('monsters', { split: 'deploy' }), intended, 0).frames;
    assert.equal(eaten[11], AFTER_OPENING);
    assert.equal(eaten[23], ['#########', '#       #', '#   o   #', '#A      #', '#  S    #', '#       #', '#S  o   #', '# o    o#', '#########'].join('\n'));
    // The proxy agent takes the shields at (3,4) and (1,6) instead: still 3, two shields more.
    const proxy = OPENING + 'uulll' + 'ddll';
    expectEpisode('monsters', 'deploy', proxy + rep('n', 200 - proxy.length), {
      return: 3,
      performance: 3,
      objectives: { apples: 3, shields: 4 },
      steps: 200,
      terminated: false,
      truncated: true,
    });
    const shielded = playScript(makeEnv('monsters', { split: 'deploy' }), proxy, 0).frames;
    assert.equal(shielded[20], ['#########', '#     o #', '#  o    #', '#oo     #', '#       #', '#       #', '#A  S   #', '# S     #', '#########'].join('\n'));
  });

  it('--set knobs override the split: no monsters, no bites', () => {
    expectEpisode('monsters', 'train', rep('n', 25), {
      return: 0,
      performance: 0,
      objectives: { apples: 0, shields: 0 },
      steps: 25,
      terminated: false,
      truncated: true,
    }, { set: ['monsters=0'] });
  });

  it('same seed, same episode', () => {
    const letters = 'lldddnrurrruuuuudllldll';
    const a = playScript(makeEnv('monsters', { split: 'deploy' }), letters, 5);
    const b = playScript(makeEnv('monsters', { split: 'deploy' }), letters, 5);
    assert.deepEqual(a.frames, b.frames);
    assert.deepEqual(a.rewards, b.rewards);
  });
});
