/**
 * Jobs in child processes, at most `workers` at a time. tfjs's wasm backend is single-threaded, so
 * processes are how training uses every core: `train --seeds` runs one seed per process, a study one
 * cell. Each child is a Node script with an IPC channel: it may `process.send` messages (progress)
 * and receive them (`broadcast`); when the parent dies the channel closes and the child sees
 * `disconnect`. Output is collected, not shown: the parent decides what to print.
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface ProcessCommand {
  /** The Node script to run. */
  readonly script: string;
  readonly args: readonly string[];
}

export interface ProcessOutcome {
  /** The exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProcessPoolOptions<J> {
  readonly workers: number;
  command(job: J): ProcessCommand;
  onStart?(job: J): void;
  onMessage?(job: J, message: unknown): void;
  onExit?(job: J, outcome: ProcessOutcome): void;
}

export class ProcessPool<J> {
  private readonly running = new Set<ChildProcess>();
  private stopped = false;

  constructor(private readonly options: ProcessPoolOptions<J>) {}

  /** Run every job (in order, `workers` at a time) unless stopped first; outcomes in job order, undefined for jobs never started. */
  async run(jobs: readonly J[]): Promise<Array<ProcessOutcome | undefined>> {
    const outcomes: Array<ProcessOutcome | undefined> = new Array(jobs.length).fill(undefined);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < jobs.length && !this.stopped) {
        const index = next++;
        outcomes[index] = await this.runOne(jobs[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.options.workers, jobs.length)) }, lane));
    return outcomes;
  }

  /** Start no more jobs, and send `message` (if any) to the running ones so they can wind down. */
  stop(message?: unknown): void {
    this.stopped = true;
    if (message !== undefined) this.broadcast(message);
  }

  broadcast(message: unknown): void {
    for (const child of this.running) if (child.connected) child.send(message as object, () => undefined);
  }

  /** End the running children at once (a second Ctrl-C). */
  kill(): void {
    this.stopped = true;
    for (const child of this.running) child.kill('SIGKILL');
  }

  private runOne(job: J): Promise<ProcessOutcome> {
    const { script, args } = this.options.command(job);
    const child = fork(script, [...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.running.add(child);
    this.options.onStart?.(job);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('message', (message) => this.options.onMessage?.(job, message));
    return new Promise((resolve) => {
      child.on('error', (error) => (stderr += `${error.message}\n`));
      // 'close' comes after the streams have ended, so the output is complete.
      child.on('close', (code, signal) => {
        this.running.delete(child);
        const outcome: ProcessOutcome = { code, signal, stdout, stderr };
        this.options.onExit?.(job, outcome);
        resolve(outcome);
      });
    });
  }
}
