/** The mesalab command line as a user runs it: a child process, its exit code and both streams. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function mesalab(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, with `input` on stdin (prompts answered as typed). */
export function mesalabWithInput(input: string, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One test per bad command line: exit code 2, nothing on stdout, one line on stderr that matches. */
export function itRejectsBadInput(errors: ReadonlyArray<readonly [string[], RegExp]>): void {
  for (const [args, message] of errors) {
    it(`bad input "${args.join(' ')}" → one line on stderr, exit code 2`, () => {
      const r = mesalab(...args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  }
}
