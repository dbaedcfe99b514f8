/**
 * A module that owns its optimizer: Adam (eps 1e-5, CleanRL's for PPO) built on first use with the
 * caller's clipping norm, and a state that holds the weights and the optimizer's moments together,
 * so a checkpoint restores training exactly. The state may come with other arrays beside it (a
 * trainer's): a module takes only what it owns.
 */
import { Adam } from './adam.js';
import { Module } from './module.js';

export abstract class TrainableModule extends Module {
  private adam: Adam | undefined;

  /** The optimizer, (re)built when the clipping norm changes; its moments carry over. */
  protected optimizer(maxGradNorm: number): Adam {
    if (!this.adam || this.adam.maxGradNorm !== maxGradNorm) {
      const previous = this.adam?.state();
      this.adam = new Adam(this, { lr: 0, eps: 1e-5, maxGradNorm });
      if (previous) this.adam.loadState(previous);
    }
    return this.adam;
  }

  state(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = { ...this.stateDict() };
    if (this.adam) {
      const s = this.adam.state();
      for (const [name, values] of Object.entries(s.arrays)) out[`adam.${name}`] = values;
      out['adam.step'] = Float32Array.of(s.step);
      out['adam.maxGradNorm'] = Float32Array.of(this.adam.maxGradNorm);
    }
    return out;
  }

  loadState(state: Readonly<Record<string, Float32Array | Float64Array | Int32Array | Uint32Array>>): void {
    const weights: Record<string, Float32Array> = {};
    for (const name of Object.keys(this.stateDict())) {
      const values = state[name];
      if (values instanceof Float32Array) weights[name] = values;
    }
    this.loadStateDict(weights);
    const step = state['adam.step'];
    if (step) {
      const adam = this.optimizer(state['adam.maxGradNorm']?.[0] ?? 0.5);
      const arrays: Record<string, Float32Array> = {};
      for (const [name, values] of Object.entries(state)) {
        if (name.startsWith('adam.') && name !== 'adam.step' && name !== 'adam.maxGradNorm' && values instanceof Float32Array) arrays[name.slice(5)] = values;
      }
      adam.loadState({ step: step[0], lr: adam.lr, arrays });
    }
  }
}
