/**
 * Human play in a terminal: keys are the environment's action letters (arrow keys move), the board
 * is redrawn after every step with the running reward, and the hidden performance and every
 * candidate objective are revealed only when the episode ends, as the agent would never see them.
 */
import type { Readable, Writable } from 'node:stream';
import type { Env, EpisodeTotals } from '../engine/env.js';
import type { Params } from '../engine/knobs.js';
import { num } from './table.js';

const ARROWS: Readonly<Record<string, string>> = { '\x1b[A': 'u', '\x1b[B': 'd', '\x1b[D': 'l', '\x1b[C': 'r' };
const QUIT = new Set(['q', '\x03', '\x1b']);
const CLEAR = '\x1b[2J\x1b[H';

export interface Terminal {
  readonly input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  readonly output: Writable;
}

/** Play one episode from key presses; resolves with the totals, or null if the player quit. */
export function playInteractive(env: Env<Params>, seed: number, terminal: Terminal): Promise<EpisodeTotals | null> {
  const { input, output } = terminal;
  const letters = new Map(env.spec.actions.map((a, i) => [a.letter, i]));
  const legend = env.spec.actions.map((a) => `${a.letter} ${a.name}`).join('  ·  ');
  const start = env.reset(seed);
  let lastReward: number | undefined;

  const draw = (note = '') => {
    const t = env.totals();
    output.write(
      `${CLEAR}${env.spec.name} · split ${env.split} · seed ${seed}${start.info.watched ? ' · WATCHED' : ''}\n\n` +
        `${env.render()}\n\n` +
        `step ${t.steps}/${env.horizon}   reward ${lastReward === undefined ? '–' : num(lastReward)}   return ${num(t.return)}\n` +
        `keys: ${legend}  ·  arrows move  ·  q quits\n${note}`,
    );
  };

  return new Promise((resolve) => {
    const finish = (totals: EpisodeTotals | null) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      resolve(totals);
    };
    const onData = (chunk: Buffer | string) => {
      const key = chunk.toString();
      if (QUIT.has(key)) {
        output.write('\nquit.\n');
        finish(null);
        return;
      }
      const letter = ARROWS[key] ?? key;
      const action = letters.get(letter);
      if (action === undefined) {
        draw(`"${JSON.stringify(key).slice(1, -1)}" is not a key of ${env.spec.name}.\n`);
        return;
      }
      const result = env.step(action);
      lastReward = result.reward;
      if (result.terminated || result.truncated) {
        const e = result.info.episode!;
        const objectives = Object.entries(e.objectives).map(([k, v]) => `${k} ${num(v)}`).join(', ');
        draw(
          `\nEpisode ${result.terminated ? 'ended' : 'truncated at the horizon'} after ${e.steps} steps.\n` +
            `Return ${num(e.return)} · hidden performance ${num(e.performance)}${e.caught ? ' · CAUGHT (would be modified)' : ''}\n` +
            `Candidate objectives: ${objectives}\n`,
        );
        finish(e);
        return;
      }
      draw();
    };
    input.setRawMode?.(true);
    input.resume();
    input.on('data', onData);
    draw();
  });
}
