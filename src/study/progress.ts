/**
 * A study's progress on stderr: one line for the whole study (cells finished of all, elapsed time, an
 * estimate of the time left from the training steps still to go) and one line per running cell
 * (agent, seed, environment where there are several, steps, live return and hidden performance,
 * steps/s). On a terminal the block is
 * redrawn in place; elsewhere (CI logs, pipes) each cell prints plain lines as it starts, at every
 * quarter of its budget, per evaluation split and when it ends.
 */
import { num } from '../cli/table.js';
import type { CellMessage } from './cell.js';

export interface CellView {
  /** The cell's environment, given where the study has several. */
  readonly env?: string;
  readonly agent: string;
  readonly seed: number;
  readonly budget: number;
  /** Steps already trained when this session began (a resumed cell). */
  readonly steps: number;
}

interface CellState {
  readonly view: CellView;
  startSteps: number;
  steps: number;
  phase: 'starting' | 'preparing' | 'training' | 'evaluating' | 'auditing';
  return: number | null;
  performance: number | null;
  rate: number;
  split: string;
  splitIndex: number;
  splits: number;
  quarter: number;
}

export type CellEnd = 'finished' | 'stopped' | 'failed';

const REDRAW_MS = 150;

export class StudyProgress {
  private readonly running = new Map<number, CellState>();
  private readonly tty: boolean;
  private readonly started: number;
  private finished: number;
  /** Training steps still to go in cells not yet started or running, and steps done this session. */
  private remainingSteps: number;
  private doneSteps = 0;
  private drawn = 0;
  private lastDraw = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly title: string,
    private readonly total: number,
    finishedBefore: number,
    pending: readonly CellView[],
    /** The clock, in milliseconds: `Date.now` but in tests, which need the elapsed time and estimate exact. */
    private readonly now: () => number = Date.now,
  ) {
    this.tty = stream.isTTY === true;
    this.started = now();
    this.finished = finishedBefore;
    this.remainingSteps = pending.reduce((sum, c) => sum + Math.max(0, c.budget - c.steps), 0);
  }

  cellStarted(key: number, view: CellView): void {
    this.running.set(key, {
      view,
      startSteps: view.steps,
      steps: view.steps,
      phase: 'starting',
      return: null,
      performance: null,
      rate: 0,
      split: '',
      splitIndex: 0,
      splits: 0,
      quarter: Math.floor((4 * view.steps) / view.budget),
    });
    this.draw(true);
  }

  cellMessage(key: number, message: CellMessage): void {
    const cell = this.running.get(key);
    if (cell === undefined) return;
    const name = cellName(cell.view);
    switch (message.kind) {
      case 'training':
        this.advance(cell, message.steps);
        cell.startSteps = message.steps;
        cell.phase = 'training';
        if (!this.tty) {
          this.line(message.resumed ? `${name}: resuming at ${count(message.steps)} of ${count(message.budget)} steps` : `${name}: training for ${count(message.budget)} steps`);
        }
        break;
      case 'preparing':
        cell.phase = 'preparing';
        cell.split = message.message;
        if (!this.tty) this.line(`${name}: ${message.message}`);
        break;
      case 'progress': {
        this.advance(cell, message.steps);
        cell.phase = 'training';
        cell.return = message.return;
        cell.performance = message.performance;
        cell.rate = message.stepsPerSecond;
        const quarter = Math.floor((4 * message.steps) / message.budget);
        if (!this.tty && quarter > cell.quarter) this.line(`${name}: ${trainingText(cell)}`);
        cell.quarter = quarter;
        break;
      }
      case 'evaluating':
      case 'auditing':
        this.advance(cell, cell.view.budget);
        cell.phase = message.kind;
        cell.split = message.kind === 'evaluating' ? message.split : message.audit;
        cell.splitIndex = message.index;
        cell.splits = message.of;
        if (!this.tty) this.line(`${name}: ${evaluatingText(cell)}`);
        break;
    }
    this.draw(false);
  }

  cellEnded(key: number, end: CellEnd): void {
    const cell = this.running.get(key);
    if (cell === undefined) return;
    this.running.delete(key);
    if (end === 'finished') {
      this.advance(cell, cell.view.budget);
      this.finished++;
    } else {
      // What a stopped or failed cell did not train is no longer expected this session.
      this.remainingSteps -= Math.max(0, cell.view.budget - cell.steps);
    }
    this.note(`${cellName(cell.view)}: ${end} · ${this.studyText()}`);
  }

  /** A line of its own, above the live block. */
  note(text: string): void {
    this.clear();
    this.line(text);
    this.draw(true);
  }

  done(): void {
    this.clear();
  }

  private advance(cell: CellState, steps: number): void {
    const delta = Math.max(0, steps - cell.steps);
    cell.steps += delta;
    this.doneSteps += delta;
    this.remainingSteps -= delta;
  }

  private studyText(): string {
    const elapsed = (this.now() - this.started) / 1000;
    const rate = this.doneSteps / Math.max(elapsed, 1e-9);
    // Start-up (loading tfjs, building networks) makes the first steps look slow: estimate after 5% of the work.
    const settled = this.doneSteps >= 0.05 * (this.doneSteps + this.remainingSteps);
    const eta = settled && this.remainingSteps > 0 ? ` · about ${clock(this.remainingSteps / rate)} left` : '';
    return `${this.finished}/${this.total} cells finished · ${clock(elapsed)} elapsed${eta}`;
  }

  private line(text: string): void {
    this.stream.write(`${text}\n`);
  }

  private clear(): void {
    if (!this.tty || this.drawn === 0) return;
    this.stream.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private draw(force: boolean): void {
    if (!this.tty) return;
    const now = this.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const columns = this.stream.columns > 0 ? this.stream.columns : 120;
    const width = Math.max(40, columns - 1);
    const lines = [`${this.title} · ${this.studyText()}`];
    for (const cell of this.running.values()) {
      const detail = cell.phase === 'starting' ? 'starting…' : cell.phase === 'preparing' ? cell.split : cell.phase === 'evaluating' || cell.phase === 'auditing' ? evaluatingText(cell) : `${bar(cell.steps / cell.view.budget)} ${trainingText(cell)}`;
      lines.push(`  ${cellName(cell.view).padEnd(14)} ${detail}`);
    }
    this.clear();
    this.stream.write(lines.map((l) => `${l.length > width ? `${l.slice(0, width - 1)}…` : l}\n`).join(''));
    this.drawn = lines.length;
  }
}

/** `q seed 0`, or `q seed 0 on maze` in a study of several environments. */
export const cellName = (view: Pick<CellView, 'env' | 'agent' | 'seed'>): string => `${view.agent} seed ${view.seed}${view.env === undefined ? '' : ` on ${view.env}`}`;
const count = (n: number): string => n.toLocaleString('en');

function trainingText(cell: CellState): string {
  const percent = Math.min(100, Math.floor((100 * cell.steps) / cell.view.budget));
  const ret = cell.return === null ? '–' : num(cell.return);
  const performance = cell.performance === null ? '–' : num(cell.performance);
  return `${percent}% ${count(cell.steps)}/${count(cell.view.budget)} steps · return ${ret} · performance ${performance} · ${count(Math.round(cell.rate))} steps/s`;
}

/** What a cell does after training: evaluating on a split, or auditing (`split` then names the audit). */
function evaluatingText(cell: CellState): string {
  if (cell.phase === 'auditing') return `auditing: ${cell.split} (audit ${cell.splitIndex + 1} of ${cell.splits})`;
  return `evaluating on ${cell.split} (split ${cell.splitIndex + 1} of ${cell.splits})`;
}

function bar(fraction: number, width = 16): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'█'.repeat(filled)}${'·'.repeat(width - filled)}]`;
}

/** Seconds as m:ss (or h:mm:ss). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
