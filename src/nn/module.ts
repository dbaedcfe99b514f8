/**
 * The base of every network: named parameters (tf.Variables made from seeded initial values),
 * named child modules, and the state dict that checkpoints store. Names are dotted paths in
 * registration order, own parameters before children, as in PyTorch: `actor.0.weight`.
 */
import { MesalabError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { initialValues, type Init } from './init.js';
import { tfSync, type Variable } from './tf.js';

/** A state dict that does not fit the network it is loaded into. */
export class StateDictError extends MesalabError {}

/** Parameter values by dotted name: what checkpoints store. */
export type StateDict = Record<string, Float32Array>;

export abstract class Module {
  private readonly ownParameters = new Map<string, Variable>();
  private readonly children = new Map<string, Module>();
  private disposed = false;

  /** Create a trainable parameter filled by `init` from `rng`. */
  protected parameter(name: string, shape: readonly number[], init: Init, rng: Rng): Variable {
    this.checkName(name);
    const tf = tfSync();
    const values = tf.tensor(initialValues(init, shape, rng), [...shape], 'float32');
    const variable = tf.variable(values, true);
    values.dispose();
    this.ownParameters.set(name, variable);
    return variable;
  }

  /** Register a child module under `name`; returns it. */
  protected module<M extends Module>(name: string, child: M): M {
    this.checkName(name);
    this.children.set(name, child);
    return child;
  }

  /** Every parameter with its dotted name, in a stable order. */
  namedParameters(): Array<[string, Variable]> {
    const out: Array<[string, Variable]> = [];
    this.collect('', out);
    return out;
  }

  /** Every parameter, in the order of `namedParameters()`. */
  parameters(): Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** The number of scalar parameters. */
  parameterCount(): number {
    return this.parameters().reduce((n, v) => n + v.size, 0);
  }

  /** A copy of every parameter's values, by dotted name. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, v] of this.namedParameters()) out[name] = new Float32Array(v.dataSync() as Float32Array);
    return out;
  }

  /**
   * Overwrite every parameter from `dict`. All names and sizes are checked before anything is
   * written, so a mismatch leaves the network as it was.
   */
  loadStateDict(dict: Readonly<Record<string, Float32Array>>): void {
    const named = this.namedParameters();
    const problems: string[] = [];
    const expected = new Set<string>();
    for (const [name, v] of named) {
      expected.add(name);
      const values = dict[name];
      if (values === undefined) problems.push(`missing parameter "${name}" (shape [${v.shape}])`);
      else if (!(values instanceof Float32Array)) problems.push(`parameter "${name}" is not a Float32Array`);
      else if (values.length !== v.size) {
        problems.push(`parameter "${name}" has ${values.length} values but the network's has shape [${v.shape}] (${v.size} values)`);
      }
    }
    for (const name of Object.keys(dict)) if (!expected.has(name)) problems.push(`unexpected parameter "${name}"`);
    if (problems.length > 0) {
      throw new StateDictError(
        `The state dict does not fit this ${this.constructor.name}: ${problems.join('; ')}. ` +
          'Was it saved from a network with another architecture or configuration?',
      );
    }
    const tf = tfSync();
    for (const [name, v] of named) {
      const values = tf.tensor(dict[name], v.shape, 'float32');
      v.assign(values);
      values.dispose();
    }
  }

  /** Release every parameter. The module cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.ownParameters.values()) v.dispose();
    for (const child of this.children.values()) child.dispose();
  }

  private collect(prefix: string, out: Array<[string, Variable]>): void {
    for (const [name, v] of this.ownParameters) out.push([prefix + name, v]);
    for (const [name, child] of this.children) child.collect(`${prefix}${name}.`, out);
  }

  private checkName(name: string): void {
    if (name === '' || name.includes('.')) throw new Error(`Module names must be non-empty and contain no ".": got "${name}"`);
    if (this.ownParameters.has(name) || this.children.has(name)) {
      throw new Error(`${this.constructor.name} already has a parameter or module named "${name}"`);
    }
  }
}
