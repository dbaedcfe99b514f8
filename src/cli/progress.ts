/**
 * Training progress on stderr: on a terminal one line redrawn in place (a bar, steps, live return and
 * hidden performance, steps/s); elsewhere (CI logs, pipes) a plain line every 10% of the budget.
 */
import type { Progress } from '../train/run.js';
import { num } from './table.js';

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): { update: (p: Progress) => void; done: () => void } {
  const tty = stream.isTTY === true;
  let lastDecile = -1;
  let lastDraw = 0;
  let lastReturn = NaN;
  let lastPerformance = NaN;
  let drew = false;
  return {
    update(p) {
      const m = p.metrics;
      if (Number.isFinite(m.return)) lastReturn = m.return;
      if (Number.isFinite(m.performance)) lastPerformance = m.performance;
      const fraction = Math.min(1, p.steps / p.budget);
      const rate = p.steps / Math.max(p.elapsedSeconds, 1e-9);
      const text =
        `${Math.round(fraction * 100).toString().padStart(3)}% ${p.steps.toLocaleString('en')}/${p.budget.toLocaleString('en')} steps` +
        `  return ${Number.isFinite(lastReturn) ? num(lastReturn) : '–'}  performance ${Number.isFinite(lastPerformance) ? num(lastPerformance) : '–'}` +
        `  ${Math.round(rate).toLocaleString('en')} steps/s`;
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
