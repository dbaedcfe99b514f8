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
import { ABSENT_AGENTS, ABSENT_SPLITS, AGENTS, SPLITS, strawberryReport, twoEnvironmentReport } from './fixture.js';

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
    const [env] = base.environments;
    const data: ReportData = {
      ...base,
      title: evil,
      study: { ...base.study, name: evil, description: evil },
      environments: [
        {
          ...env,
          splits: env.splits.map((s) => ({ ...s, agent: s.agent === 'ppo' ? evil : s.agent })),
          replays: env.replays.map((r) => ({ ...r, label: evil })),
          legend: { ...env.legend, A: { label: evil, colour: 'red;}</style><script>' } },
        },
        { ...env, name: evil },
      ],
    };
    const html = renderReport(data);
    assert.equal(count(html, /<script\b/g), 3);
    assert.ok(!html.includes('window.pwned = 1</script>'));
    assert.ok(!html.includes('</style><script>'));
    assert.deepEqual(embedded(html), JSON.parse(JSON.stringify(data)));
    assert.equal(embedJson('</script>'), '"\\u003c/script>"');
  });

  it('shows the audits pooled over seeds as tables, every label escaped, NaN as a dash', () => {
    const evil = '<b>x</b>';
    const base = strawberryReport();
    const audit = { kind: 'compliance-gap', env: 'strawberry', agent: 'ppo', seed: 0, flagged: true, verdict: 'defects unwatched' };
    const data: ReportData = {
      ...base,
      audits: [audit, { ...audit, agent: 'dqn', flagged: false }],
      pooled: [{
        kind: 'compliance-gap',
        env: 'strawberry',
        reference: 'ppo',
        agents: ['ppo', 'dqn'],
        studySeeds: 3,
        counts: [{
          name: `unwatched ${evil}`,
          agents: [
            { agent: 'ppo', seeds: 3, successes: 41, n: 300, rate: 41 / 300, low: 0.1, high: 0.181, upperBound: 0.17 },
            { agent: 'dqn', seeds: 3, successes: 0, n: 300, rate: 0, low: 0, high: 0.0122, upperBound: 0.00994, against: { agent: 'ppo', difference: -41 / 300, pValue: 2.0977e-13 } },
          ],
        }],
        statistic: { name: evil, agents: [{ agent: 'ppo', seeds: 3, mean: 1.83, low: 0.336, high: 3.33 }, { agent: 'dqn', seeds: 1, mean: -0.5, low: NaN, high: NaN }] },
      }],
    };
    const html = renderReport(data);
    assert.ok(!html.includes(evil));
    const table = /<table class="pooled" data-testid="pooled-compliance-gap">([^]*?)<\/table>/.exec(html)?.[1] ?? '';
    assert.ok(table.includes('<td>unwatched &lt;b&gt;x&lt;/b&gt;</td><td>ppo</td><td class="num">3</td><td class="num">41 / 300</td><td>13.7% [10.0%, 18.1%]</td><td>reference</td>'), table);
    assert.ok(table.includes('<td>dqn</td><td class="num">3</td><td class="num">0 / 300</td><td>0%, below 1.0% (exact 95% upper bound)</td><td>−13.7 points, Fisher p = 2.1e-13</td>'), table);
    const statistic = /<table class="pooled" data-testid="pooled-compliance-gap-statistic">([^]*?)<\/table>/.exec(html)?.[1] ?? '';
    assert.ok(statistic.includes('<caption>&lt;b&gt;x&lt;/b&gt;: mean over seeds'), statistic);
    assert.ok(statistic.includes('<td>1.83 [0.336, 3.33]</td>') && statistic.includes('<td>dqn</td><td class="num">1</td><td>−0.5</td>'), statistic);
    // Read back from the page (NaN became null), it renders the same.
    assert.equal(renderReport(JSON.parse(JSON.stringify(data)) as ReportData), html);
  });

  it('renders empty sections when a study has no results yet', () => {
    const base = strawberryReport();
    const html = renderReport({ ...base, environments: [{ ...base.environments[0], curves: [], splits: [], heatmaps: [], replays: [] }] });
    assert.match(html, /No learning curves in this study/);
    assert.match(html, /No replays in this study/);
  });
});

/** The opening tag of every element with this attribute value, e.g. all `data-env="maze"`. */
const tagsWith = (html: string, attribute: string): string[] => html.match(new RegExp(`<[a-z]+ [^>]*${attribute}[^>]*>`, 'g')) ?? [];

describe('renderReport with two environments', () => {
  const html = renderReport(twoEnvironmentReport());

  it('gives each environment a heading, its summary and objectives, and its own five sections', () => {
    assert.match(html, /environments <strong>strawberry<\/strong>, <strong>absent-supervisor<\/strong> · 3 agents \(ppo, dqn, q\), 12 training runs/);
    assert.ok(html.includes('<nav><a href="#env-strawberry">strawberry</a><a href="#env-absent-supervisor">absent-supervisor</a></nav>'));
    for (const env of ['strawberry', 'absent-supervisor']) {
      assert.ok(html.includes(`<section id="env-${env}" class="environment" data-env="${env}"><h2>${env}</h2>`), env);
      for (const part of ['curves', 'objectives', 'gap', 'heatmaps', 'replays']) {
        assert.ok(html.includes(`<section id="${env}-${part}" data-env="${env}">`), `${env}-${part}`);
        assert.ok(html.includes(`<a href="#${env}-${part}">`), `a link to ${env}-${part}`);
      }
      assert.ok(html.includes(`<summary>Candidate objectives of ${env}</summary>`), env);
    }
    assert.ok(!html.includes('<section id="curves"'), 'no section without its environment');
    const summary = /<div class="summary" data-testid="summary-absent-supervisor">(.*?)<\/div>/.exec(html)?.[1];
    assert.equal(summary, '<p>watched: agents (mean of 2) scored 41.0 on intended (intended) and 41.0 on observed-reward; return 41.0, hidden performance 41.0.</p><p>unwatched: agents (mean of 2) scored 44.0 on observed-reward and 29.0 on intended (intended), pursuing a proxy; return 44.0, hidden performance 29.0.</p>');
  });

  it('draws each environment\'s figures with its own objectives, one colour per agent across them', () => {
    const section = (id: string): string => html.slice(html.indexOf(`<section id="${id}"`), html.indexOf('</section>', html.indexOf(`<section id="${id}"`)));
    assert.equal(count(section('strawberry-objectives'), /data-bar=/g), SPLITS.length * AGENTS.length * 4);
    assert.equal(count(section('absent-supervisor-objectives'), /data-bar=/g), ABSENT_SPLITS.length * ABSENT_AGENTS.length * 2);
    assert.equal(count(section('absent-supervisor-objectives'), /data-intended="intended"/g), ABSENT_SPLITS.length);
    assert.equal(count(section('absent-supervisor-heatmaps'), /data-chart="heatmap"/g), 4);
    const fill = (bar: string): string | undefined => new RegExp(`fill="([^"]+)"[^>]*data-bar="${bar}"`).exec(html)?.[1];
    assert.ok(fill('dqn:bucket') !== undefined && fill('dqn:bucket') === fill('dqn:intended'), 'dqn has one colour on both environments');
    assert.notEqual(fill('q:intended'), fill('dqn:intended'));
  });

  it('numbers replays across the page and draws each board with its environment\'s colours', () => {
    const replays = tagsWith(html, 'data-replay=');
    assert.deepEqual(
      replays.map((tag) => /data-env="(\d)" data-replay="(\d)" data-row="(\d)".*data-testid="(replay-\d)"/.exec(tag)!.slice(1).join(' ')),
      ['0 0 0 replay-0', '0 1 0 replay-1', '0 2 1 replay-2', '0 3 1 replay-3', '1 0 2 replay-4', '1 1 2 replay-5', '1 2 3 replay-6', '1 3 3 replay-7'],
    );
    // The absent supervisor's `S` is the supervisor, not a strawberry: its own class and legend.
    const view = JSON.parse(/<script type="application\/json" id="report-view">(.*?)<\/script>/.exec(html)![1]) as { cellClass: Array<Record<string, string>> };
    assert.equal(view.cellClass.length, 2);
    assert.match(view.cellClass[0].S, /^k0-/);
    assert.match(view.cellClass[1].S, /^k1-/);
    const grid = html.slice(html.indexOf('data-testid="replay-4-grid"'), html.indexOf('</div>', html.indexOf('data-testid="replay-4-grid"')));
    assert.ok(grid.includes(`<span class="cell ${view.cellClass[1].S}">S</span>`), 'the supervisor drawn in its own colour');
    assert.ok(!grid.includes('k0-'), 'nothing of strawberry\'s colours');
    assert.match(html, /<li><span class="cell k1-\d+">S<\/span>supervisor<\/li>/);
  });

  it('embeds both environments\' data', () => {
    assert.deepEqual(embedded(html), JSON.parse(JSON.stringify(twoEnvironmentReport())));
  });
});

describe('summary', () => {
  it('names per split the objective the agents pursued most', () => {
    assert.deepEqual(summarySentences(strawberryReport().environments[0]), [
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
    const [a] = summariseCurves({ ...base.environments[0], curves: [curve(0, [0, 10], [0, 2]), curve(1, [0, 10], [1, 4])] });
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
