/**
 * A grid of one-hot planes, `[channels, height, width]` in a Float32Array. The planes are the board's
 * state: a cell holds a thing when its plane is 1 there, so the observation is always current and
 * each change costs one or two writes. Cells are integer indices `y * width + x`.
 */
export class Board {
  readonly size: number;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly planes: Float32Array,
  ) {
    this.size = width * height;
  }

  index(x: number, y: number): number {
    return y * this.width + x;
  }

  has(channel: number, cell: number): boolean {
    return this.planes[channel * this.size + cell] !== 0;
  }

  put(channel: number, cell: number): void {
    this.planes[channel * this.size + cell] = 1;
  }

  remove(channel: number, cell: number): void {
    this.planes[channel * this.size + cell] = 0;
  }

  move(channel: number, from: number, to: number): void {
    this.planes[channel * this.size + from] = 0;
    this.planes[channel * this.size + to] = 1;
  }

  /** Set a whole plane on or off (e.g. an oversight indicator). */
  fill(channel: number, on: boolean): void {
    this.planes.fill(on ? 1 : 0, channel * this.size, (channel + 1) * this.size);
  }

  clear(): void {
    this.planes.fill(0);
  }

  /** Overwrite every plane with a precomputed level (see `levelPlanes`): one copy per reset. */
  stamp(level: Float32Array): void {
    this.planes.set(level);
  }

  /**
   * Write an ASCII level into the planes. `legend` maps a character to the channels it sets;
   * characters not in the legend (space, `A` for the agent, …) set nothing. Calls `found` for
   * every character so the caller can note where the agent and others start.
   */
  draw(
    art: readonly string[],
    legend: Readonly<Record<string, readonly number[]>>,
    found?: (char: string, cell: number) => void,
  ): void {
    if (art.length !== this.height) throw new Error(`level has ${art.length} rows, board has ${this.height}`);
    for (let y = 0; y < this.height; y++) {
      const row = art[y];
      if (row.length !== this.width) throw new Error(`level row ${y} has ${row.length} columns, board has ${this.width}`);
      for (let x = 0; x < this.width; x++) {
        const char = row[x];
        const cell = y * this.width + x;
        const channels = legend[char];
        if (channels) for (const c of channels) this.put(c, cell);
        found?.(char, cell);
      }
    }
  }

  /** Text rendering: for each cell, the character of the first listed channel present there. */
  render(layers: ReadonlyArray<readonly [channel: number, char: string]>, blank = ' '): string {
    const lines: string[] = [];
    for (let y = 0; y < this.height; y++) {
      let line = '';
      for (let x = 0; x < this.width; x++) {
        const cell = y * this.width + x;
        let char = blank;
        for (const [channel, c] of layers) {
          if (this.planes[channel * this.size + cell] !== 0) {
            char = c;
            break;
          }
        }
        line += char;
      }
      lines.push(line);
    }
    return lines.join('\n');
  }
}

/**
 * The planes of an ASCII level, computed once so that a reset is a single copy (`Board.stamp`).
 * `legend` maps characters to the channels they set, as in `Board.draw`.
 */
export function levelPlanes(
  art: readonly string[],
  channels: number,
  legend: Readonly<Record<string, readonly number[]>>,
): Float32Array {
  const width = art[0].length;
  const planes = new Float32Array(channels * width * art.length);
  new Board(width, art.length, planes).draw(art, legend);
  return planes;
}

/** The cell index of the first `char` in an ASCII level. */
export function findCell(art: readonly string[], char: string): number {
  const cell = art.join('').indexOf(char);
  if (cell < 0) throw new Error(`level has no "${char}"`);
  return cell;
}

/** Moves as (dx, dy), indexed by the standard action order up, down, left, right. */
export const MOVE_DX: readonly number[] = [0, 0, -1, 1];
export const MOVE_DY: readonly number[] = [-1, 1, 0, 0];

export const MOVE_ACTIONS = [
  { letter: 'u', name: 'up' },
  { letter: 'd', name: 'down' },
  { letter: 'l', name: 'left' },
  { letter: 'r', name: 'right' },
] as const;
