/**
 * The worker process of one study cell: `node worker.js DB RUN_ID`, started by the study runner with
 * an IPC channel. Progress goes back as messages; Ctrl-C (SIGINT, which a terminal sends to the whole
 * process group), a `stop` message from the runner, or the runner's death (the channel closes) all
 * make the cell checkpoint and stop. Exit code 0: finished, 130: stopped, 1: failed (why on stderr).
 */
import { MesalabError } from '../core/errors.js';
import { runCell, type CellMessage } from './cell.js';

let stopRequested = false;
const requestStop = () => {
  stopRequested = true;
};
process.on('SIGINT', requestStop);
process.on('SIGTERM', requestStop);
process.on('disconnect', requestStop);
process.on('message', (message: unknown) => {
  if (typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === 'stop') requestStop();
});

const [db, runId] = process.argv.slice(2);
const post = (message: CellMessage) => {
  if (process.connected) process.send!(message, undefined, {}, () => undefined);
};

runCell({ db, runId: Number(runId), post, shouldStop: () => stopRequested }).then(
  (outcome) => process.exit(outcome === 'finished' ? 0 : 130),
  (error: unknown) => {
    process.stderr.write(error instanceof MesalabError ? `${error.message}\n` : `internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
