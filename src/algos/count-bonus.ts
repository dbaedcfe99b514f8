/**
 * A count-based exploration bonus (Strehl & Littman 2008; Bellemare et al. 2016; Tang et al. 2017,
 * "#Exploration"): the reward of reaching state s gets β/√n(s) added, n(s) counting the visits so
 * far. Observations are hashed exactly (FNV-1a over the indices of their non-zero cells) into a
 * fixed table of counts; in these gridworlds distinct states are few, so collisions are rare, and a
 * collision only shares a count. The bonus fades as states grow familiar: early in training it
 * pulls an on-policy learner into corners its policy would stop visiting (PPO otherwise settles on
 * the first route to a reward it finds), and late in training it is small beside the task's reward.
 * The table is part of the trainer's state, so a resumed run goes on with the same counts.
 */
export class CountBonus {
  readonly counts: Uint32Array;
  private readonly mask: number;

  constructor(
    /** β: the bonus of a state's first visit. */
    readonly scale: number,
    bits = 20,
  ) {
    this.counts = new Uint32Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }

  /** Count a visit to the observation in `planes[row·size …]` and return its bonus β/√n. */
  visit(planes: Float32Array, row: number, size: number): number {
    let hash = 0x811c9dc5;
    const base = row * size;
    for (let k = 0; k < size; k++) {
      if (planes[base + k] === 0) continue;
      hash = Math.imul(hash ^ k, 0x01000193);
      hash = Math.imul(hash ^ (k >>> 16), 0x01000193);
    }
    const slot = (hash >>> 0) & this.mask;
    const n = ++this.counts[slot];
    return this.scale / Math.sqrt(n);
  }

  load(counts: Uint32Array): void {
    if (counts.length !== this.counts.length) {
      throw new Error(`the checkpoint's visit counts have ${counts.length} slots; this trainer's table has ${this.counts.length}`);
    }
    this.counts.set(counts);
  }
}
