/**
 * Typed errors. Each says what was wrong and how to fix it; the command line prints the message on
 * one line and exits with the error's code (2 for bad input, as Unix tools do for usage errors).
 */
export class MesalabError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The user asked for something that does not exist or is malformed: exit code 2. */
export class UsageError extends MesalabError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Work stopped on request (Ctrl-C) before it could finish; what it had done is kept for a resume. Exit code 130. */
export class Interrupted extends MesalabError {
  constructor(message: string) {
    super(message, 130);
  }
}

/** The Levenshtein distance between two strings (small strings only: names and keys). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j];
      prev[j] = Math.min(above + 1, prev[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return prev[b.length];
}

/** The closest of `choices` to `name`, if it is close enough to be a likely typo. */
export function closest(name: string, choices: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const choice of choices) {
    const d = editDistance(name.toLowerCase(), choice.toLowerCase());
    if (d < bestDistance) {
      best = choice;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(name.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}

/**
 * `Unknown knob "sise" of maze: did you mean "size"? …`, or for environments:
 * `Unknown environment "mase": did you mean "maze"? Choices: maze, monsters. Run "mesalab envs" for the list.`
 */
export function unknownName(
  kind: string,
  name: string,
  choices: readonly string[],
  hint?: string,
  owner?: string,
): UsageError {
  const guess = closest(name, choices);
  let message = `Unknown ${kind} "${name}"${owner ? ` of ${owner}` : ''}`;
  if (guess !== undefined) message += `: did you mean "${guess}"?`;
  else message += '.';
  message += ` Choices: ${choices.join(', ')}.`;
  if (hint) message += ` ${hint}`;
  return new UsageError(message);
}
