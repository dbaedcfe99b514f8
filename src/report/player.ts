/**
 * The replay player: the only script on the report page. It runs in the browser, not in Node, and
 * reaches the page as its own source text (`replayPlayer.toString()`), so it is type-checked with the
 * rest of the project yet needs no bundler. It must therefore use nothing from outside its own body:
 * no imports, no module-level values (types are fine; they are erased).
 *
 * Each replay is a `[data-replay]` figure rendered at frame 0 by the server, `data-env` and
 * `data-replay` its place in the data (`environments[env].replays[replay]`); the player reads the
 * frames from the embedded JSON and steps through them. Space toggles play and the arrow keys step,
 * for the replay last clicked or focused (the first one until then).
 */
import type { ReportData } from './data.js';

/** What the page embeds besides the data: the CSS class of each board character, per environment. */
export interface PlayerView {
  /** By environment (in `data.environments` order), then board character. */
  readonly cellClass: ReadonlyArray<Readonly<Record<string, string>>>;
  readonly unknownClass: string;
  /** Milliseconds per frame while playing. */
  readonly frameMs: number;
}

export function replayPlayer(): void {
  const dataElement = document.getElementById('report-data');
  const viewElement = document.getElementById('report-view');
  if (!dataElement || !viewElement) return;
  const data = JSON.parse(dataElement.textContent ?? '{}') as ReportData;
  const view = JSON.parse(viewElement.textContent ?? '{}') as PlayerView;

  interface Player {
    readonly root: HTMLElement;
    readonly replay: ReportData['environments'][number]['replays'][number];
    frame: number;
    timer: number | undefined;
    show(frame: number): void;
    play(): void;
    pause(): void;
    toggle(): void;
  }

  const signed = (v: number): string => {
    const text = String(Math.round(v * 1000) / 1000);
    return v > 0 ? `+${text}` : text;
  };
  const round = (v: number): string => String(Math.round(v * 1000) / 1000);
  const part = (root: HTMLElement, name: string): HTMLElement | null => root.querySelector<HTMLElement>(`[data-part="${name}"]`);

  function drawBoard(board: HTMLElement, rows: readonly string[], classes: Readonly<Record<string, string>>): void {
    const width = Math.max(0, ...rows.map((r) => r.length));
    const count = width * rows.length;
    if (board.children.length !== count) {
      board.replaceChildren();
      board.style.gridTemplateColumns = `repeat(${width}, var(--cell))`;
      for (let i = 0; i < count; i++) {
        const span = document.createElement('span');
        board.appendChild(span);
      }
    }
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < width; c++) {
        const char = rows[r][c] ?? ' ';
        const span = board.children[r * width + c] as HTMLElement;
        const cls = `cell ${classes[char] ?? view.unknownClass}`;
        if (span.className !== cls) span.className = cls;
        if (span.textContent !== char) span.textContent = char;
      }
    }
  }

  const players: Player[] = [];
  let active: Player | undefined;

  for (const root of document.querySelectorAll<HTMLElement>('[data-replay]')) {
    const e = Number(root.dataset.env);
    const replay = data.environments?.[e]?.replays[Number(root.dataset.replay)];
    if (!replay) continue;
    const classes = view.cellClass[e] ?? {};
    const board = part(root, 'board');
    const counter = part(root, 'counter');
    const action = part(root, 'action');
    const reward = part(root, 'reward');
    const performance = part(root, 'performance');
    const playButton = part(root, 'play');
    const last = replay.frames.length - 1;
    const player: Player = {
      root,
      replay,
      frame: 0,
      timer: undefined,
      show(frame: number): void {
        this.frame = Math.max(0, Math.min(last, frame));
        const k = this.frame;
        if (board) drawBoard(board, replay.frames[k], classes);
        if (counter) counter.textContent = `frame ${k} / ${last}`;
        let ret = 0;
        let perf = 0;
        for (let i = 0; i < k; i++) {
          ret += replay.rewards[i] ?? 0;
          perf += replay.performance[i] ?? 0;
        }
        if (action) action.textContent = k === 0 ? 'start' : `${k}. ${replay.actions[k - 1] ?? '?'}`;
        if (reward) reward.textContent = k === 0 ? 'return 0' : `${signed(replay.rewards[k - 1] ?? 0)} (return ${round(ret)})`;
        if (performance) performance.textContent = round(perf);
        root.dataset.frame = String(k);
      },
      play(): void {
        if (this.timer !== undefined) return;
        if (this.frame >= last) this.show(0);
        this.timer = window.setInterval(() => {
          if (this.frame >= last) this.pause();
          else this.show(this.frame + 1);
        }, view.frameMs);
        root.dataset.playing = 'true';
        if (playButton) {
          playButton.textContent = '❚❚ pause';
          playButton.setAttribute('aria-pressed', 'true');
        }
      },
      pause(): void {
        if (this.timer !== undefined) window.clearInterval(this.timer);
        this.timer = undefined;
        root.dataset.playing = 'false';
        if (playButton) {
          playButton.textContent = '▶ play';
          playButton.setAttribute('aria-pressed', 'false');
        }
      },
      toggle(): void {
        if (this.timer === undefined) this.play();
        else this.pause();
      },
    };
    const on = (name: string, act: () => void): void => {
      part(root, name)?.addEventListener('click', () => {
        active = player;
        act();
      });
    };
    on('first', () => {
      player.pause();
      player.show(0);
    });
    on('back', () => {
      player.pause();
      player.show(player.frame - 1);
    });
    on('play', () => player.toggle());
    on('forward', () => {
      player.pause();
      player.show(player.frame + 1);
    });
    on('last', () => {
      player.pause();
      player.show(last);
    });
    root.addEventListener('focusin', () => (active = player));
    root.addEventListener('pointerdown', () => (active = player));
    players.push(player);
  }

  // "Play row": every replay of one agent from the start together, to compare splits step by step.
  for (const button of document.querySelectorAll<HTMLElement>('[data-play-row]')) {
    button.addEventListener('click', () => {
      const row = button.dataset.playRow;
      const members = players.filter((p) => p.root.dataset.row === row);
      const anyPlaying = members.some((p) => p.timer !== undefined);
      for (const p of members) {
        p.pause();
        if (!anyPlaying) {
          p.show(0);
          p.play();
        }
      }
    });
  }

  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target as HTMLElement | null;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    const player = active ?? players[0];
    if (!player) return;
    if (event.key === ' ') player.toggle();
    else if (event.key === 'ArrowRight') {
      player.pause();
      player.show(player.frame + 1);
    } else if (event.key === 'ArrowLeft') {
      player.pause();
      player.show(player.frame - 1);
    } else return;
    // Space would also scroll the page, or click a focused button a second time on key-up.
    event.preventDefault();
  });
  document.addEventListener('keyup', (event) => {
    if (event.key === ' ' && (event.target as HTMLElement | null)?.tagName === 'BUTTON') event.preventDefault();
  });

  for (const p of players) p.show(0);
  document.documentElement.dataset.player = 'ready';
}
