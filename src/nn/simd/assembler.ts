/**
 * A small WebAssembly assembler: enough of the binary format (WebAssembly Core Specification 2.0,
 * §5) to emit modules of numeric kernels with 128-bit SIMD. Kernels are generated in TypeScript
 * (loops unrolled and strides folded in at generation time) and compiled by the engine at run
 * time, so the project needs no toolchain and ships no binaries.
 *
 * Only what the kernels use is here: one imported memory, functions of i32 / f32 parameters, i32 /
 * f32 / v128 locals, structured control flow, loads and stores, and the arithmetic below.
 */

/** Value types (§5.3.1). */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof V128;

function unsignedLeb(value: number, out: number[]): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`assembler: ${value} is not a u32`);
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
}

function signedLeb(value: number, out: number[]): void {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new Error(`assembler: ${value} is not an i32`);
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

const utf8 = new TextEncoder();

function name(text: string, out: number[]): void {
  const bytes = utf8.encode(text);
  unsignedLeb(bytes.length, out);
  out.push(...bytes);
}

/** A local or parameter, by index. */
export type Local = number & { readonly __local: unique symbol };

/** The body of one function, written instruction by instruction (§5.4). */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localTypes: ValueType[] = [];
  private depth = 0;

  constructor(
    readonly exportName: string,
    readonly params: readonly ValueType[],
    readonly results: readonly ValueType[] = [],
  ) {}

  /** The i-th parameter. */
  param(i: number): Local {
    if (i < 0 || i >= this.params.length) throw new Error(`assembler: ${this.exportName} has no parameter ${i}`);
    return i as Local;
  }

  /** A new local of the given type. */
  local(type: ValueType): Local {
    this.localTypes.push(type);
    return (this.params.length + this.localTypes.length - 1) as Local;
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  private simd(opcode: number): this {
    this.code.push(0xfd);
    unsignedLeb(opcode, this.code);
    return this;
  }

  private memarg(alignLog2: number, offset: number): this {
    unsignedLeb(alignLog2, this.code);
    unsignedLeb(offset, this.code);
    return this;
  }

  // Variables and constants
  get(l: Local): this {
    this.op(0x20);
    unsignedLeb(l, this.code);
    return this;
  }
  set(l: Local): this {
    this.op(0x21);
    unsignedLeb(l, this.code);
    return this;
  }
  tee(l: Local): this {
    this.op(0x22);
    unsignedLeb(l, this.code);
    return this;
  }
  i32(value: number): this {
    this.op(0x41);
    signedLeb(value | 0, this.code);
    return this;
  }
  f32(value: number): this {
    this.op(0x43);
    this.code.push(...new Uint8Array(Float32Array.of(value).buffer));
    return this;
  }

  // Structured control flow; `br(depth)` counts enclosing blocks from the innermost (0).
  block(): this {
    this.depth++;
    return this.op(0x02, 0x40);
  }
  loop(): this {
    this.depth++;
    return this.op(0x03, 0x40);
  }
  if(): this {
    this.depth++;
    return this.op(0x04, 0x40);
  }
  end(): this {
    if (this.depth === 0) throw new Error(`assembler: unbalanced end in ${this.exportName}`);
    this.depth--;
    return this.op(0x0b);
  }
  br(depth: number): this {
    this.op(0x0c);
    unsignedLeb(depth, this.code);
    return this;
  }
  brIf(depth: number): this {
    this.op(0x0d);
    unsignedLeb(depth, this.code);
    return this;
  }

  // i32
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  i32GtU(): this {
    return this.op(0x4b);
  }
  i32Ne(): this {
    return this.op(0x47);
  }

  // f32 scalars
  f32Load(offset = 0): this {
    return this.op(0x2a).memarg(2, offset);
  }
  f32Store(offset = 0): this {
    return this.op(0x38).memarg(2, offset);
  }
  f32Add(): this {
    return this.op(0x92);
  }

  // v128 / f32x4 (SIMD proposal, final opcodes)
  v128Load(offset = 0): this {
    return this.simd(0x00).memarg(4, offset);
  }
  v128Store(offset = 0): this {
    return this.simd(0x0b).memarg(4, offset);
  }
  /** One f32 from memory, in all four lanes. */
  load32Splat(offset = 0): this {
    return this.simd(0x09).memarg(2, offset);
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4ExtractLane(lane: number): this {
    this.simd(0x1f);
    this.code.push(lane);
    return this;
  }
  f32x4Lt(): this {
    return this.simd(0x43);
  }
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  f32x4Abs(): this {
    return this.simd(0xe0);
  }
  f32x4Sqrt(): this {
    return this.simd(0xe3);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  f32x4Min(): this {
    return this.simd(0xe8);
  }
  f32x4Max(): this {
    return this.simd(0xe9);
  }

  /** The function's code entry: locals, then the body and its closing `end` (§5.5.13). */
  encode(): number[] {
    if (this.depth !== 0) throw new Error(`assembler: ${this.exportName} has ${this.depth} unclosed blocks`);
    const body: number[] = [];
    const runs: Array<[number, ValueType]> = [];
    for (const type of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === type) last[0]++;
      else runs.push([1, type]);
    }
    unsignedLeb(runs.length, body);
    for (const [count, type] of runs) {
      unsignedLeb(count, body);
      body.push(type);
    }
    body.push(...this.code, 0x0b);
    const out: number[] = [];
    unsignedLeb(body.length, out);
    out.push(...body);
    return out;
  }
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  unsignedLeb(content.length, out);
  out.push(...content);
}

/**
 * A module that imports its memory as `env.memory` and exports every function under its name.
 * Returns the binary; `WebAssembly.Module` compiles it.
 */
export function assemble(functions: readonly FunctionBuilder[]): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  unsignedLeb(functions.length, types);
  for (const f of functions) {
    types.push(0x60);
    unsignedLeb(f.params.length, types);
    types.push(...f.params);
    unsignedLeb(f.results.length, types);
    types.push(...f.results);
  }
  section(1, types, out);
  const imports: number[] = [];
  unsignedLeb(1, imports);
  name('env', imports);
  name('memory', imports);
  imports.push(0x02, 0x00); // memory, limits with a minimum only
  unsignedLeb(1, imports);
  section(2, imports, out);
  const declarations: number[] = [];
  unsignedLeb(functions.length, declarations);
  functions.forEach((_, i) => unsignedLeb(i, declarations));
  section(3, declarations, out);
  const exports: number[] = [];
  unsignedLeb(functions.length, exports);
  functions.forEach((f, i) => {
    name(f.exportName, exports);
    exports.push(0x00);
    unsignedLeb(i, exports);
  });
  section(7, exports, out);
  const code: number[] = [];
  unsignedLeb(functions.length, code);
  for (const f of functions) code.push(...f.encode());
  section(10, code, out);
  return new Uint8Array(out);
}
