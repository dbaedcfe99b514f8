/**
 * Progress on stderr: on a terminal one line redrawn in place (a bar and the caller's text); elsewhere
 * (CI logs, pipes) a plain line every 10% of the budget. `progressPrinter` is training's: steps, live
 * return and hidden performance, steps/s.
 */
import type { Progress } from '../train/run.js';
import { num } from './table.js';

/** One progress line: `show(fraction, text)` as often as wanted; it redraws at most every 100 ms. */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): { show: (fraction: number, text: string) => void; done: () => void } {
  const tty = stream.isTTY === true;
  let lastDecile = -1;
  let lastDraw = 0;
  let drew = false;
  return {
    show(fraction, text) {
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && fraction < 1) return;
        lastDraw = now;
        const width = 24;
        const filled = Math.round(fraction * width);
        stream.write(`\r\x1b[2K[${'█'.repeat(filled)}${'·'.repeat(width - filled)}] ${text}`);
        drew = true;
      } else {
        const decile = Math.floor(fraction * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          stream.write(`${text}\n`);
        }
      }
    },
    done() {
      if (tty && drew) stream.write('\n');
    },
  };
}

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): { update: (p: Progress) => void; done: () => void } {
  const line = progressLine(stream);
  let lastReturn = NaN;
  let lastPerformance = NaN;
  return {
    update(p) {
      const m = p.metrics;
      if (Number.isFinite(m.return)) lastReturn = m.return;
      if (Number.isFinite(m.performance)) lastPerformance = m.performance;
      const fraction = Math.min(1, p.steps / p.budget);
      const rate = p.steps / Math.max(p.elapsedSeconds, 1e-9);
      line.show(
        fraction,
        `${Math.round(fraction * 100).toString().padStart(3)}% ${p.steps.toLocaleString('en')}/${p.budget.toLocaleString('en')} steps` +
          `  return ${Number.isFinite(lastReturn) ? num(lastReturn) : '–'}  performance ${Number.isFinite(lastPerformance) ? num(lastPerformance) : '–'}` +
          `  ${Math.round(rate).toLocaleString('en')} steps/s`,
      );
    },
    done: line.done,
  };
}
