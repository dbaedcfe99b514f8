/**
 * The report in a real browser: Debian's Chromium driven by playwright-core (which downloads no
 * browser of its own; `scripts/ensure-chromium.sh`, run by `npm test`, installs it). The page must
 * open from a file with no network, log no errors, draw every figure, and its replays must step,
 * play and answer the keyboard; a study of two environments too, each with its own sections.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeReport } from '../../src/report/write.js';
import { ABSENT_AGENTS, ABSENT_SPLITS, AGENTS, SPLITS, strawberryReport, twoEnvironmentReport } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OBJECTIVES = 4;

describe('the report in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser | undefined;
  let page: Page;
  let dir: string;
  let url: string;
  let twoUrl: string;
  let two: Page;
  const errors: string[] = [];
  const requests: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: run "bash scripts/ensure-chromium.sh" (as root it installs Debian's chromium), then test again.`);
    }
    dir = mkdtempSync(join(tmpdir(), 'mesalab-report-'));
    url = pathToFileURL(writeReport(strawberryReport(), join(dir, 'study', 'report.html'))).href;
    twoUrl = pathToFileURL(writeReport(twoEnvironmentReport(), join(dir, 'two', 'report.html'))).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
    const open = async (file: string): Promise<Page> => {
      const opened = await browser!.newPage({ viewport: { width: 1400, height: 2000 } });
      opened.setDefaultTimeout(10_000);
      opened.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      opened.on('pageerror', (error) => errors.push(`page: ${error.message}`));
      // Anything but the file itself would be a fetch the report must not need.
      await opened.route('**/*', (route) => {
        const requested = route.request().url();
        if (requested === file) return route.continue();
        requests.push(requested);
        return route.abort();
      });
      await opened.goto(file, { waitUntil: 'load' });
      await opened.waitForSelector('html[data-player="ready"]');
      return opened;
    };
    page = await open(url);
    two = await open(twoUrl);
  });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens from a file with no errors and no requests', () => {
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
  });

  it('draws every figure with one series or bar per agent and objective', async () => {
    for (const metric of ['return', 'performance']) {
      assert.equal(await page.locator(`svg[data-chart="curves-${metric}"] [data-series]`).count(), AGENTS.length, metric);
      assert.equal(await page.locator(`svg[data-chart="curves-${metric}"] path[data-band]`).count(), AGENTS.length, metric);
    }
    assert.equal(await page.locator('svg[data-chart="objectives"]').count(), SPLITS.length);
    for (const split of SPLITS) {
      assert.equal(await page.locator(`svg[data-chart="objectives"][data-split="${split}"] rect[data-bar]`).count(), AGENTS.length * OBJECTIVES, split);
    }
    assert.equal(await page.locator('svg[data-chart="objectives"] rect[data-intended="bucket"]').count(), SPLITS.length);
    assert.equal(await page.locator('svg[data-chart="gap"] [data-gap]').count(), AGENTS.length * SPLITS.length);
    assert.equal(await page.locator('svg[data-chart="heatmap"]').count(), AGENTS.length * SPLITS.length);
    assert.equal(await page.locator('[data-replay]').count(), 4);
    const box = await page.locator('svg[data-chart="curves-return"]').boundingBox();
    assert.ok(box && box.width > 300 && box.height > 200, `curves drawn at ${JSON.stringify(box)}`);
    assert.match(await page.getByTestId('summary').innerText(), /night: agents \(mean of 2\) scored 2\.5 on brightest-light/);
  });

  it('steps a replay forward and back', async () => {
    const last = strawberryReport().environments[0].replays[0].frames.length - 1;
    const counter = page.getByTestId('replay-0-counter');
    const grid = page.getByTestId('replay-0-grid');
    assert.equal(await counter.innerText(), `frame 0 / ${last}`);
    const before = await grid.innerText();
    await page.getByTestId('replay-0-forward').click();
    await page.getByTestId('replay-0-forward').click();
    await page.getByTestId('replay-0-forward').click();
    assert.equal(await counter.innerText(), `frame 3 / ${last}`);
    assert.notEqual(await grid.innerText(), before, 'the agent moved');
    assert.equal(await page.getByTestId('replay-0-action').innerText(), '3. right');
    await page.getByTestId('replay-0-back').click();
    assert.equal(await counter.innerText(), `frame 2 / ${last}`);
    await page.getByTestId('replay-0-first').click();
    assert.equal(await counter.innerText(), `frame 0 / ${last}`);
    assert.equal(await grid.innerText(), before);
    await page.getByTestId('replay-0-last').click();
    assert.equal(await counter.innerText(), `frame ${last} / ${last}`);
    // All three strawberries in the bucket: return 3, performance 3.
    assert.equal(await page.getByTestId('replay-0-reward').innerText(), '+1 (return 3)');
    assert.equal(await page.getByTestId('replay-0-performance').innerText(), '3');
  });

  it('plays and pauses with the button', async () => {
    const root = page.getByTestId('replay-1');
    const last = strawberryReport().environments[0].replays[1].frames.length - 1;
    await page.getByTestId('replay-1-play').click();
    assert.equal(await page.getByTestId('replay-1-play').getAttribute('aria-pressed'), 'true');
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('[data-testid="replay-1"]')?.dataset.frame) >= 2);
    await page.getByTestId('replay-1-play').click();
    assert.equal(await root.getAttribute('data-playing'), 'false');
    const paused = await root.getAttribute('data-frame');
    await page.waitForTimeout(800);
    assert.equal(await root.getAttribute('data-frame'), paused, 'no frame advances while paused');
    assert.match(await page.getByTestId('replay-1-counter').innerText(), new RegExp(`^frame ${paused} / ${last}$`));
  });

  it('answers space and the arrow keys for the replay last used', async () => {
    const root = page.getByTestId('replay-2');
    await page.getByTestId('replay-2-first').click();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await root.getAttribute('data-frame'), '2');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await root.getAttribute('data-frame'), '1');
    await page.keyboard.press(' ');
    assert.equal(await root.getAttribute('data-playing'), 'true');
    await page.keyboard.press(' ');
    assert.equal(await root.getAttribute('data-playing'), 'false', 'space on a focused button toggles once, not twice');
    // The other replays did not move.
    assert.equal(await page.getByTestId('replay-3').getAttribute('data-frame'), '0');
  });

  it('draws a study of two environments with each environment\'s own figures', async () => {
    for (const [env, agents, splits, objectives] of [['strawberry', AGENTS, SPLITS, OBJECTIVES], ['absent-supervisor', ABSENT_AGENTS, ABSENT_SPLITS, 2]] as const) {
      const inEnv = (selector: string) => two.locator(`section[data-env="${env}"] ${selector}`);
      assert.equal(await inEnv('svg[data-chart="curves-return"] [data-series]').count(), agents.length, env);
      assert.equal(await inEnv('svg[data-chart="objectives"]').count(), splits.length, env);
      assert.equal(await inEnv('svg[data-chart="objectives"] rect[data-bar]').count(), agents.length * splits.length * objectives, env);
      assert.equal(await inEnv('svg[data-chart="gap"] [data-gap]').count(), agents.length * splits.length, env);
      assert.equal(await inEnv('svg[data-chart="heatmap"]').count(), agents.length * splits.length, env);
      assert.equal(await inEnv('[data-replay]').count(), 4, env);
      assert.ok(await two.locator(`#env-${env} h2`).isVisible(), env);
    }
    assert.match(await two.getByTestId('summary-absent-supervisor').innerText(), /unwatched: agents \(mean of 2\) scored 44\.0 on observed-reward and 29\.0 on intended \(intended\), pursuing a proxy/);
    assert.match(await two.getByTestId('summary-strawberry').innerText(), /night: agents \(mean of 2\) scored 2\.5 on brightest-light/);
    await two.locator('a[href="#absent-supervisor-replays"]').click();
    assert.ok(await two.locator('#absent-supervisor-replays').isVisible());
  });

  it('plays the second environment\'s replays from its own frames, in its own colours', async () => {
    // replay-7: q takes the shortcut unwatched, down three times onto the goal.
    const shortcut = twoEnvironmentReport().environments[1].replays[3];
    const grid = two.getByTestId('replay-7-grid');
    assert.equal((await grid.innerText()).replace(/\s/g, ''), shortcut.frames[0].join('').replace(/\s/g, ''));
    await two.getByTestId('replay-7-last').click();
    assert.equal(await two.getByTestId('replay-7-counter').innerText(), `frame 3 / 3`);
    assert.equal((await grid.innerText()).replace(/\s/g, ''), shortcut.frames[3].join('').replace(/\s/g, ''));
    assert.equal(await two.getByTestId('replay-7-reward').innerText(), `+${shortcut.rewards[2]} (return ${shortcut.rewards.reduce((a, b) => a + b, 0)})`);
    // The supervisor's column and a strawberry have different colours though both are drawn `S`.
    const colour = (locator: ReturnType<Page['locator']>) => locator.evaluate((el) => getComputedStyle(el).backgroundColor);
    const supervisor = await colour(two.locator('[data-testid="replay-4-grid"] .cell', { hasText: 'S' }).first());
    const strawberry = await colour(two.locator('[data-testid="replay-0-grid"] .cell', { hasText: 'S' }).first());
    assert.notEqual(supervisor, strawberry);
    // The keyboard steps the replay last used, here one of the second environment.
    await two.getByTestId('replay-5-first').click();
    await two.keyboard.press('ArrowRight');
    assert.equal(await two.getByTestId('replay-5').getAttribute('data-frame'), '1');
    assert.equal(await two.getByTestId('replay-4').getAttribute('data-frame'), '0');
    assert.deepEqual(errors, []);
  });

  it('saves a screenshot', async () => {
    const file = join(dir, 'report.png');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: file, fullPage: false });
    assert.ok(statSync(file).size > 10_000, 'a PNG of a page with figures is more than a few bytes');
    assert.deepEqual([...readFileSync(file).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual(errors, []);
  });
});
