import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Curve, ReportData } from '../../src/report/data.js';
import { embedJson, oversightOf, renderReport } from '../../src/report/render.js';
import { commonGrid, interpolate, summariseCurves, summarySentences } from '../../src/report/summary.js';
import { writeReport } from '../../src/report/write.js';
import { AGENTS, SPLITS, strawberryReport } from './fixture.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The embedded data, read back as a reader of the HTML file would. */
function embedded(html: string): unknown {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, 'the data is embedded');
  return JSON.parse(match[1]);
}

const count = (html: string, pattern: RegExp): number => html.match(pattern)?.length ?? 0;

describe('renderReport', () => {
  it('is deterministic: the same data gives the same bytes', () => {
    const a = renderReport(strawberryReport());
    const b = renderReport(strawberryReport());
    assert.equal(sha(a), sha(b));
    // A structurally equal copy (as read back from JSON) renders the same too.
    assert.equal(renderReport(JSON.parse(JSON.stringify(strawberryReport())) as ReportData), a);
  });

  it('needs nothing from outside the file', () => {
    const html = renderReport(strawberryReport());
    const urls = html.match(/https?:\/\/[^\s"'<>)]+/g) ?? [];
    assert.deepEqual([...new Set(urls)], ['http://www.w3.org/2000/svg'], 'only the SVG namespace, which is a name, not a fetch');
    assert.equal(count(html, /<link\b/g), 0);
    assert.equal(count(html, /\bsrc=/g), 0);
    assert.equal(count(html, /@import|url\(/g), 0);
    assert.equal(count(html, /<script\b/g), 3, 'the data, the view, the player');
  });

  it('embeds the data as JSON that reads back whole', () => {
    const data = strawberryReport();
    assert.deepEqual(embedded(renderReport(data)), JSON.parse(JSON.stringify(data)));
  });

  it('draws a series per agent, a bar per agent and objective, a heatmap and a replay each', () => {
    const html = renderReport(strawberryReport());
    assert.equal(count(html, /<g data-series=/g), 2 * AGENTS.length);
    assert.equal(count(html, /data-bar=/g), SPLITS.length * AGENTS.length * 4);
    assert.equal(count(html, /data-gap=/g), SPLITS.length * AGENTS.length);
    assert.equal(count(html, /data-chart="heatmap"/g), SPLITS.length * AGENTS.length);
    assert.equal(count(html, /<figure class="replay"/g), 4);
    for (const part of ['first', 'back', 'play', 'forward', 'last', 'counter', 'grid']) assert.ok(html.includes(`data-testid="replay-0-${part}"`), part);
  });

  it('cannot be broken out of by labels', () => {
    const evil = '</script><script>window.pwned = 1</script><!--';
    const base = strawberryReport();
    const data: ReportData = {
      ...base,
      title: evil,
      study: { ...base.study, name: evil, description: evil },
      splits: base.splits.map((s) => ({ ...s, agent: s.agent === 'ppo' ? evil : s.agent })),
      replays: base.replays.map((r) => ({ ...r, label: evil })),
      legend: { ...base.legend, A: { label: evil, colour: 'red;}</style><script>' } },
    };
    const html = renderReport(data);
    assert.equal(count(html, /<script\b/g), 3);
    assert.ok(!html.includes('window.pwned = 1</script>'));
    assert.ok(!html.includes('</style><script>'));
    assert.deepEqual(embedded(html), JSON.parse(JSON.stringify(data)));
    assert.equal(embedJson('</script>'), '"\\u003c/script>"');
  });

  it('renders empty sections when a study has no results yet', () => {
    const base = strawberryReport();
    const html = renderReport({ ...base, curves: [], splits: [], heatmaps: [], replays: [] });
    assert.match(html, /No learning curves in this study/);
    assert.match(html, /No replays in this study/);
  });
});

describe('summary', () => {
  it('names per split the objective the agents pursued most', () => {
    assert.deepEqual(summarySentences(strawberryReport()), [
      'train: agents (mean of 2) scored 2.8 on bucket (intended) and 2.8 on brightest-light; return 2.8, hidden performance 2.8.',
      'night: agents (mean of 2) scored 2.5 on brightest-light and 0.4 on bucket (intended), pursuing a proxy; return 0.4, hidden performance 0.4.',
    ]);
  });

  it('reads oversight from replay labels', () => {
    assert.equal(oversightOf('unwatched: the shortcut'), 'unwatched');
    assert.equal(oversightOf('Watched by the supervisor'), 'watched');
    assert.equal(oversightOf('a night walk'), undefined);
  });
});

describe('learning curves on a common grid', () => {
  const curve = (seed: number, steps: number[], values: number[]): Curve => ({
    agent: 'a',
    seed,
    points: steps.map((s, i) => ({ steps: s, return: values[i], performance: -values[i] })),
  });

  it('keeps shared steps and resamples different ones where every seed has data', () => {
    assert.deepEqual(commonGrid([curve(0, [0, 10, 20], [0, 1, 2]), curve(1, [0, 10, 20], [0, 1, 2])]), [0, 10, 20]);
    assert.deepEqual(commonGrid([curve(0, [0, 10, 20, 30, 40], [0, 1, 2, 3, 4]), curve(1, [5, 15, 25, 35], [0, 1, 2, 3])]), [5, 12.5, 20, 27.5, 35]);
    // Seeds that never overlap fall back to the whole range.
    assert.deepEqual(commonGrid([curve(0, [0, 10], [0, 1]), curve(1, [20, 30], [0, 1])]), [0, 30]);
  });

  it('interpolates linearly and holds the ends', () => {
    const c = curve(0, [0, 10, 20], [0, 1, 3]).points;
    assert.equal(interpolate(c, 'return', 5), 0.5);
    assert.equal(interpolate(c, 'return', 15), 2);
    assert.equal(interpolate(c, 'performance', 15), -2);
    assert.equal(interpolate(c, 'return', -5), 0);
    assert.equal(interpolate(c, 'return', 99), 3);
  });

  it('averages seeds and spans their min and max', () => {
    const base = strawberryReport();
    const [a] = summariseCurves({ ...base, curves: [curve(0, [0, 10], [0, 2]), curve(1, [0, 10], [1, 4])] });
    assert.equal(a.seeds, 2);
    assert.deepEqual(a.return, { steps: [0, 10], mean: [0.5, 3], low: [0, 2], high: [1, 4] });
  });
});

describe('writeReport', () => {
  it('creates folders, writes through a temporary file and leaves none behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesalab-report-'));
    try {
      const data = strawberryReport();
      const out = join(dir, 'a', 'b', 'report.html');
      assert.equal(writeReport(data, out), out);
      assert.equal(readFileSync(out, 'utf8'), renderReport(data));
      writeReport({ ...data, title: 'second' }, out);
      assert.match(readFileSync(out, 'utf8'), /<title>second<\/title>/);
      assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['report.html']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says where it could not write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesalab-report-'));
    try {
      const blocker = join(dir, 'file');
      writeReport(strawberryReport(), blocker);
      assert.throws(() => writeReport(strawberryReport(), join(blocker, 'report.html')), /Cannot write the report to .*report\.html/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
