/**
 * A person as the labeler of the ood audit's label requests (`mesalab audit RUN ood --labeler human`):
 * each request shows the board and the steps left, and a line with an action letter answers it (an
 * empty line skips it, `q` skips every request still to come). Reads lines, so answers can also be
 * piped in.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Labeler } from '../audits/types.js';

export function humanLabeler(input: Readable, output: Writable): { labeler: Labeler; close: () => void } {
  const lines = createInterface({ input, terminal: false });
  const queue: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let ended = false;
  let quit = false;
  lines.on('line', (line) => (waiting ? (waiting(line), (waiting = undefined)) : queue.push(line)));
  lines.on('close', () => {
    ended = true;
    waiting?.(undefined);
  });
  const next = (): Promise<string | undefined> =>
    queue.length > 0 ? Promise.resolve(queue.shift()) : ended ? Promise.resolve(undefined) : new Promise((resolve) => (waiting = resolve));

  const labeler: Labeler = async (request) => {
    if (quit) return undefined;
    const letters = request.actions.map((a) => `${a.letter} ${a.name}`).join(' · ');
    output.write(`\nLabel request ${request.asked + 1} (budget ${request.budget}), ${request.stepsLeft} steps left:\n${request.board}\nactions: ${letters}\n`);
    for (;;) {
      output.write('the intended action (letter; Enter skips, q stops asking): ');
      const line = await next();
      if (line === undefined || line.trim() === 'q') {
        quit = true;
        output.write('\n');
        return undefined;
      }
      const answer = line.trim();
      if (answer === '') return undefined;
      const index = request.actions.findIndex((a) => a.letter === answer);
      if (index >= 0) return index;
      output.write(`"${answer}" is none of ${request.actions.map((a) => a.letter).join(', ')}.\n`);
    }
  };
  return { labeler, close: () => lines.close() };
}
