import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { StudyProgress, clock } from '../../src/study/progress.js';

/**
 * A terminal as far as the progress display uses one: text and newlines, `ESC [n F` (up n lines, to
 * their start) and `ESC [J` (erase to the end of the screen). `screen()` is what a person would see.
 */
function fakeTerminal(columns: number): { stream: NodeJS.WriteStream; screen: () => string[]; raw: () => string } {
  const lines: string[] = [];
  let row = 0;
  let raw = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      const text = String(chunk);
      raw += text;
      for (const token of text.match(/\x1b\[\d*[A-Za-z]|\n|[^\x1b\n]+/g) ?? []) {
        const escape = /^\x1b\[(\d*)([A-Za-z])$/.exec(token);
        if (escape?.[2] === 'F') row = Math.max(0, row - Number(escape[1] || 1));
        else if (escape?.[2] === 'J') lines.length = row;
        else if (escape) throw new Error(`the display used an escape sequence the test does not know: ${JSON.stringify(token)}`);
        else if (token === '\n') row++;
        else lines[row] = (lines[row] ?? '') + token;
      }
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns });
  return { stream, screen: () => lines.slice(0, row).map((l) => l ?? ''), raw: () => raw };
}

/** A clock the test moves by hand, in seconds. */
function handClock(): { now: () => number; at: (seconds: number) => void } {
  let ms = 0;
  return { now: () => ms, at: (seconds) => (ms = seconds * 1000) };
}

const seed = (n: number) => ({ agent: 'q', seed: n, budget: 1000, steps: 0 });

describe('study progress', () => {
  it('on a terminal, redraws one line for the whole study and one per running cell in place', () => {
    const terminal = fakeTerminal(200);
    const time = handClock();
    // Three cells, one finished in an earlier session; two to train, 2,000 steps in all.
    const progress = new StudyProgress(terminal.stream, 'tiny st-1', 3, 1, [seed(1), seed(2)], time.now);
    progress.cellStarted(1, seed(1));
    assert.deepEqual(terminal.screen(), ['tiny st-1 · 1/3 cells finished · 0:00 elapsed', '  q seed 1       starting…']);

    time.at(10);
    progress.cellMessage(1, { kind: 'training', steps: 0, budget: 1000, resumed: false });
    assert.deepEqual(terminal.screen(), [
      'tiny st-1 · 1/3 cells finished · 0:10 elapsed',
      '  q seed 1       [················] 0% 0/1,000 steps · return – · performance – · 0 steps/s',
    ]);

    // Half the first cell's budget in 20 s: 25 steps a second, 1,500 steps to go, so one minute left.
    time.at(20);
    progress.cellMessage(1, { kind: 'progress', steps: 500, budget: 1000, return: 1.5, performance: -2, stepsPerSecond: 50 });
    progress.cellStarted(2, seed(2));
    assert.deepEqual(terminal.screen(), [
      'tiny st-1 · 1/3 cells finished · 0:20 elapsed · about 1:00 left',
      '  q seed 1       [████████········] 50% 500/1,000 steps · return 1.50 · performance -2 · 50 steps/s',
      '  q seed 2       starting…',
    ]);

    // Messages closer together than the redraw interval change the state but not the screen.
    time.at(20.05);
    progress.cellMessage(1, { kind: 'progress', steps: 750, budget: 1000, return: 2, performance: 2, stepsPerSecond: 60 });
    assert.match(terminal.screen()[1], / 50% 500\/1,000 steps/);

    time.at(25);
    progress.cellMessage(1, { kind: 'evaluating', split: 'unwatched', index: 1, of: 2 });
    assert.deepEqual(terminal.screen().slice(1), ['  q seed 1       evaluating on unwatched (split 2 of 2)', '  q seed 2       starting…']);

    // A cell that ends leaves a line above the block, and the block shrinks.
    time.at(30);
    progress.cellEnded(1, 'finished');
    assert.deepEqual(terminal.screen(), [
      'q seed 1: finished · 2/3 cells finished · 0:30 elapsed · about 0:30 left',
      'tiny st-1 · 2/3 cells finished · 0:30 elapsed · about 0:30 left',
      '  q seed 2       starting…',
    ]);
    time.at(31);
    progress.cellEnded(2, 'failed');
    progress.done();
    assert.deepEqual(terminal.screen(), ['q seed 1: finished · 2/3 cells finished · 0:30 elapsed · about 0:30 left', 'q seed 2: failed · 2/3 cells finished · 0:31 elapsed']);
  });

  it('cuts lines to the terminal width', () => {
    const terminal = fakeTerminal(60);
    const time = handClock();
    const progress = new StudyProgress(terminal.stream, 'tiny st-1', 1, 0, [seed(0)], time.now);
    progress.cellStarted(0, seed(0));
    time.at(1);
    progress.cellMessage(0, { kind: 'training', steps: 0, budget: 1000, resumed: false });
    const [, cell] = terminal.screen();
    assert.equal(cell.length, 59);
    assert.ok(cell.startsWith('  q seed 0       [················] 0% 0/1,000 steps') && cell.endsWith('…'), cell);
  });

  it('elsewhere (a pipe, a CI log), prints plain lines: what it prepares, start, every quarter, each split, the end', () => {
    let text = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    const time = handClock();
    const progress = new StudyProgress(stream, 'tiny st-1', 2, 0, [seed(0), { ...seed(1), steps: 400 }], time.now);
    progress.cellStarted(0, seed(0));
    progress.cellMessage(0, { kind: 'preparing', message: 'pretraining the small history model: step 300 of 3000, loss 0.400' });
    progress.cellMessage(0, { kind: 'training', steps: 0, budget: 1000, resumed: false });
    for (const steps of [100, 200, 300]) progress.cellMessage(0, { kind: 'progress', steps, budget: 1000, return: null, performance: null, stepsPerSecond: 10 });
    time.at(40);
    progress.cellMessage(0, { kind: 'progress', steps: 1000, budget: 1000, return: 3, performance: 1, stepsPerSecond: 25 });
    progress.cellMessage(0, { kind: 'evaluating', split: 'watched', index: 0, of: 1 });
    progress.cellEnded(0, 'finished');
    progress.cellStarted(1, { ...seed(1), steps: 400 });
    progress.cellMessage(1, { kind: 'training', steps: 400, budget: 1000, resumed: true });
    progress.cellEnded(1, 'stopped');
    progress.done();
    assert.equal(
      text,
      [
        'q seed 0: pretraining the small history model: step 300 of 3000, loss 0.400',
        'q seed 0: training for 1,000 steps',
        'q seed 0: 30% 300/1,000 steps · return – · performance – · 10 steps/s',
        'q seed 0: 100% 1,000/1,000 steps · return 3 · performance 1 · 25 steps/s',
        'q seed 0: evaluating on watched (split 1 of 1)',
        'q seed 0: finished · 1/2 cells finished · 0:40 elapsed · about 0:24 left',
        'q seed 1: resuming at 400 of 1,000 steps',
        'q seed 1: stopped · 1/2 cells finished · 0:40 elapsed',
        '',
      ].join('\n'),
    );
  });

  it('names each cell\'s environment where the study has several', () => {
    const terminal = fakeTerminal(200);
    const time = handClock();
    const cell = { ...seed(0), env: 'distributional-shift' };
    const progress = new StudyProgress(terminal.stream, 'two-worlds st-2', 4, 0, [cell], time.now);
    progress.cellStarted(0, cell);
    assert.deepEqual(terminal.screen(), ['two-worlds st-2 · 0/4 cells finished · 0:00 elapsed', '  q seed 0 on distributional-shift starting…']);
    time.at(2);
    progress.cellEnded(0, 'finished');
    assert.deepEqual(terminal.screen(), ['q seed 0 on distributional-shift: finished · 1/4 cells finished · 0:02 elapsed', 'two-worlds st-2 · 1/4 cells finished · 0:02 elapsed']);
  });

  it('writes times as m:ss, or h:mm:ss from an hour', () => {
    assert.deepEqual([0, 9.6, 61, 3599, 3600, 36_061].map(clock), ['0:00', '0:10', '1:01', '59:59', '1:00:00', '10:01:01']);
  });
});
