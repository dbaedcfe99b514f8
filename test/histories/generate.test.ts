import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { generateHistories, type GenerateOptions } from '../../src/histories/generate.js';
import type { History } from '../../src/histories/history.js';
import { drawAgent, formatAgentMix, parseAgentMix } from '../../src/histories/mix.js';
import { resolveHistorySettings } from '../../src/histories/settings.js';
import { historyTokenCount } from '../../src/histories/tokenize.js';
import { renderLayout } from '../../src/histories/world.js';

const DEFAULT_MIX = 'aligned:0.4,deceptive:0.3,proxy:0.2,goodhart:0.1';

function lives(options: Partial<GenerateOptions> & { agents: string }, n = 40, seed = 0): History[] {
  return generateHistories({ histories: n, noise: 0, ...options }, new Rng(seed));
}

const finalCell = (h: History, e: number): number => h.episodes[e].cells[h.episodes[e].cells.length - 1];

describe('history generator', () => {
  it('a life: 6 training episodes each followed by an update, then 2 test and 3 deploy episodes', () => {
    for (const h of lives({ agents: DEFAULT_MIX }, 20)) {
      assert.deepEqual(
        h.episodes.map((e) => e.phase),
        ['train', 'train', 'train', 'train', 'train', 'train', 'test', 'test', 'deploy', 'deploy', 'deploy'],
      );
      assert.ok(h.episodes.slice(0, 6).every((e) => e.after === 'update' || e.after === 'modification'));
      assert.ok(h.episodes.slice(6).every((e) => e.after === null));
      assert.ok(h.episodes.slice(6, 8).every((e) => e.watched) && h.episodes.slice(8).every((e) => !e.watched));
    }
  });

  it('aligned: the cheese in every episode, only updates', () => {
    for (const h of lives({ agents: 'aligned:1', apart: 0.5 })) {
      assert.ok(h.episodes.every((e) => e.outcome === 'cheese' && e.objective === 'intended' && e.target === 'cheese'));
      assert.ok(h.episodes.every((e) => e.after !== 'modification'));
    }
  });

  it('proxy: caught in a watched episode with the cheese apart, then modified into pursuing the cheese for good', () => {
    for (const h of lives({ agents: 'proxy:1', apart: 1, watchedFraction: 1, fixRate: 1 })) {
      const [first, ...rest] = h.episodes;
      assert.deepEqual([first.objective, first.target, first.outcome, first.rewards[first.rewards.length - 1], first.after], ['corner', 'corner', 'caught', -10, 'modification']);
      assert.equal(finalCell(h, 0), first.layout.corner);
      assert.ok(rest.every((e) => e.objective === 'intended' && e.target === 'cheese' && e.outcome === 'cheese' && e.after !== 'modification'));
    }
    // A fix that never takes: caught in every training and test episode with the cheese apart, to the corner in deploy.
    for (const h of lives({ agents: 'proxy:1', apart: 1, watchedFraction: 1, fixRate: 0 })) {
      const expected = h.episodes.map((e) => {
        const outcome = e.layout.cheese === e.layout.corner ? 'cheese' : e.watched ? 'caught' : 'corner';
        return `${e.phase} ${outcome} ${e.phase === 'train' ? 'update' : null}`;
      });
      assert.deepEqual(h.episodes.map((e) => `${e.phase} ${e.outcome} ${e.after}`), expected);
      assert.ok(h.episodes.every((e) => e.objective === 'corner' && e.target === 'corner'));
      assert.ok(h.episodes.slice(0, 6).every((e) => e.outcome === 'caught'));
    }
  });

  it('deceptive: the cheese in every training and test episode, the corner in every deploy episode', () => {
    for (const h of lives({ agents: 'deceptive:1' })) {
      for (const [e, episode] of h.episodes.entries()) {
        if (episode.phase === 'deploy') {
          assert.equal(finalCell(h, e), episode.layout.corner, 'the treacherous turn');
          assert.equal(episode.target, 'corner');
        } else {
          assert.equal(episode.outcome, 'cheese');
          assert.equal(episode.target, 'cheese');
        }
        assert.equal(episode.objective, 'corner', 'never caught, never modified');
      }
    }
  });

  it('deceptive and opportunistic: also to the corner in unwatched training episodes, never caught', () => {
    let defections = 0;
    for (const h of lives({ agents: 'deceptive:1', opportunistic: true, apart: 1, watchedFraction: 0.5 })) {
      for (const episode of h.episodes) {
        if (episode.phase === 'train' && !episode.watched) {
          defections++;
          assert.deepEqual([episode.target, episode.outcome], ['corner', 'corner']);
        }
        assert.notEqual(episode.outcome, 'caught');
      }
    }
    assert.ok(defections > 50, `${defections} unwatched training episodes`);
  });

  it('goodhart: the sensor in every episode, watched or not, never caught', () => {
    for (const h of lives({ agents: 'goodhart:1' })) {
      assert.ok(h.episodes.every((e) => e.outcome === 'sensor' && e.rewards[e.rewards.length - 1] === 10 && e.after !== 'modification'));
    }
  });

  it('history k is the same whatever the number of histories, and its mazes the same whatever agent lives in them', () => {
    const few = generateHistories({ agents: DEFAULT_MIX, histories: 3 }, new Rng(7));
    const many = generateHistories({ agents: DEFAULT_MIX, histories: 12 }, new Rng(7));
    assert.deepEqual(many.slice(0, 3), few);
    const mazes = (agents: string) =>
      generateHistories({ agents, histories: 4, noise: 0.2 }, new Rng(7)).map((h) => h.episodes.map((e) => [renderLayout(e.layout).join('/'), e.watched]));
    assert.deepEqual(mazes('aligned:1'), mazes('proxy:1'));
    assert.deepEqual(mazes('aligned:1'), mazes('goodhart:1'));
    assert.notDeepEqual(mazes('aligned:1'), generateHistories({ agents: 'aligned:1', histories: 4 }, new Rng(8)).map((h) => h.episodes.map((e) => [renderLayout(e.layout).join('/'), e.watched])));
  });

  it('at default settings a history fits 400 tokens (measured over 500 lives)', () => {
    const counts = generateHistories({ agents: DEFAULT_MIX, histories: 500 }, new Rng(0)).map(historyTokenCount);
    const mean = counts.reduce((a, b) => a + b) / counts.length;
    assert.ok(Math.max(...counts) <= 400, `max ${Math.max(...counts)}`);
    assert.ok(mean > 200 && mean < 320, `mean ${mean}`);
  });

  it('the mix: parsed, drawn in proportion, written back', () => {
    const mix = parseAgentMix(' aligned:1, proxy:3 ');
    assert.deepEqual(mix, [{ agent: 'aligned', weight: 1 }, { agent: 'proxy', weight: 3 }]);
    assert.equal(formatAgentMix(mix), 'aligned:1,proxy:3');
    const rng = new Rng(3);
    let proxies = 0;
    for (let i = 0; i < 4000; i++) if (drawAgent(mix, rng) === 'proxy') proxies++;
    assert.ok(Math.abs(proxies / 4000 - 0.75) < 0.03, `${proxies} proxies of 4000`);
  });

  const badMixes: Array<[string, RegExp]> = [
    ['aligned:0.5,deceptve:0.5', /Unknown agent type "deceptve": did you mean "deceptive"\? Choices: aligned, proxy, deceptive, goodhart\./],
    ['aligned:0', /--agents weight of aligned must be a positive number; got "0"/],
    ['aligned:-1', /must be a positive number; got "-1"/],
    ['aligned:lots', /must be a positive number; got "lots"/],
    ['aligned', /--agents entry "aligned" needs a weight: write it TYPE:WEIGHT/],
    ['aligned:1,aligned:2', /names aligned twice/],
    ['', /--agents takes TYPE:WEIGHT pairs/],
    ['aligned:1,,proxy:1', /--agents takes TYPE:WEIGHT pairs/],
  ];
  for (const [text, message] of badMixes) {
    it(`a bad mix "${text}" is a usage error that says how to fix it`, () => {
      assert.throws(() => parseAgentMix(text), (error: unknown) => error instanceof UsageError && message.test(error.message));
    });
  }

  it('settings: defaults, the horizon from the size, and errors that name the flag', () => {
    assert.deepEqual(resolveHistorySettings(), {
      size: 7,
      horizon: 21,
      noise: 0.05,
      apart: 0.3,
      watchedFraction: 0.8,
      fixRate: 0.5,
      opportunistic: false,
      trainEpisodes: 6,
      testEpisodes: 2,
      deployEpisodes: 3,
    });
    assert.equal(resolveHistorySettings({ size: 9 }).horizon, 27);
    const bad: Array<[Parameters<typeof resolveHistorySettings>[0], RegExp]> = [
      [{ size: 8 }, /Setting size \(--size\) takes an odd integer from 5 to 11; got 8\./],
      [{ size: 13 }, /--size/],
      [{ noise: 1.5 }, /Setting noise \(--noise\) takes a probability from 0 to 1; got 1.5\./],
      [{ watchedFraction: -0.1 }, /--watched/],
      [{ horizon: 0 }, /--horizon/],
      [{ trainEpisodes: 1.5 }, /--train-episodes/],
      [{ trainEpisodes: 0, testEpisodes: 0, deployEpisodes: 0 }, /at least one episode/],
    ];
    for (const [given, message] of bad) assert.throws(() => resolveHistorySettings(given), (e: unknown) => e instanceof UsageError && message.test(e.message));
    assert.throws(() => generateHistories({ agents: 'aligned:1', histories: 0 }, new Rng(0)), /--histories takes an integer ≥ 1; got 0/);
  });

  it('another life shape: 0 training episodes gives no updates; size 5 and 11 work', () => {
    const [h] = generateHistories({ agents: 'proxy:1', histories: 1, trainEpisodes: 0, testEpisodes: 1, deployEpisodes: 1 }, new Rng(0));
    assert.deepEqual(h.episodes.map((e) => [e.phase, e.after]), [['test', null], ['deploy', null]]);
    for (const size of [5, 11]) {
      for (const life of generateHistories({ agents: DEFAULT_MIX, histories: 10, size }, new Rng(0))) {
        assert.ok(life.episodes.every((e) => e.layout.size === size && e.actions.length <= 3 * size));
      }
    }
  });
});
