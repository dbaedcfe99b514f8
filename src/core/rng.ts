/**
 * Seeded pseudo-random numbers: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, from
 * PractRand), seeded through splitmix32. Pure 32-bit integer arithmetic, so the same seed gives the
 * same stream on every machine and Node version. Every random draw in mesalab comes from an `Rng`
 * that is passed in; nothing calls `Math.random()`.
 */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed: number) {
    this.seed(seed);
  }

  /** Restart the stream from `seed` (any finite number; its integer part modulo 2^32 is used). */
  seed(seed: number): void {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    let s = Math.trunc(seed) >>> 0;
    const next = (): number => {
      // splitmix32: spreads one 32-bit seed over the four words of state.
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniform integer in [0, 2^32). */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** A uniform integer in [0, n), without modulo bias (Lemire's multiply-and-reject). */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296) || !Number.isInteger(n)) {
      throw new RangeError(`Rng.int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    if ((n & (n - 1)) === 0 && n <= 0x80000000) return this.uint32() & (n - 1);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.uint32();
    while (x >= limit) x = this.uint32();
    return x % n;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Fisher–Yates shuffle of `items` in place; returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** An independent generator derived from this one's next draws (for sub-streams). */
  fork(): Rng {
    return new Rng(this.uint32() ^ Math.imul(this.uint32(), 0x9e3779b1));
  }

  /** The generator's full state, for checkpoints. */
  state(): [number, number, number, number] {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  /** Write the state into `out[offset .. offset + 3]` without allocating (hot loops). */
  saveInto(out: Uint32Array, offset: number): void {
    out[offset] = this.a;
    out[offset + 1] = this.b;
    out[offset + 2] = this.c;
    out[offset + 3] = this.d;
  }

  /** Restore a state written by `saveInto`. */
  loadFrom(source: Uint32Array, offset: number): void {
    this.a = source[offset] | 0;
    this.b = source[offset + 1] | 0;
    this.c = source[offset + 2] | 0;
    this.d = source[offset + 3] | 0;
  }

  /** Restore a state captured by `state()`. */
  setState(state: readonly [number, number, number, number]): void {
    [this.a, this.b, this.c, this.d] = state.map((w) => w | 0) as [number, number, number, number];
  }
}
