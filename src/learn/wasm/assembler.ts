/**
 * A minimal WebAssembly binary writer: LEB128 numbers, sections, vectors and the opcodes our kernels use. Kernels are fixed
 * instruction lists written in TypeScript; no input (and no model bundle) ever becomes code.
 */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

export function str(s: string): number[] {
  return vec([...s].map((c) => [c.charCodeAt(0)]));
}

// opcodes (WebAssembly 1.0)
export const GET = 0x20, SET = 0x21, TEE = 0x22, I32C = 0x41, ADD = 0x6a, MUL = 0x6c, SHL = 0x74, SHRS = 0x75, GES = 0x4e, EQZ = 0x45, AND = 0x71, OR = 0x72;
export const I32LOAD = 0x28, I32LOAD8U = 0x2d, F64LOAD = 0x2b, F64STORE = 0x39, F64LE = 0x65, F64NE = 0x62, F64ADD = 0xa0;
export const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BRIF = 0x0d, END = 0x0b, VOID = 0x40, SUB = 0x6b, I32STORE = 0x36;
export const I32 = 0x7f, F64 = 0x7c;
export const IF = 0x04, ELSE = 0x05, I32STORE8 = 0x3a, I32LTU = 0x49, I32EQ = 0x46, SHRU = 0x76, F64EQ = 0x61;
/** i32.trunc_sat_f64_s (non-trapping: NaN is 0, out of range saturates) */
export const I32_TRUNC_SAT_F64_S = [0xfc, 0x02];
export const F64SUB = 0xa1, F64MUL = 0xa2, F64MAX = 0xa5, F64ABS = 0x99, F64FLOOR = 0x9c, F64GE = 0x66, SELECT = 0x1b, I32GTU = 0x4b;
export const F64DIV = 0xa3, F64MIN = 0xa4, F64NEG = 0x9a, F64NEAREST = 0x9e;
export const I64C = 0x42, I64ADD = 0x7c, I64SHL = 0x86, I64_TRUNC_F64_S = 0xb0, F64_REINTERPRET_I64 = 0xbf;
/** the 128-bit vector type (fixed-width SIMD) */
export const V128 = 0x7b;
/** a SIMD instruction: the 0xfd prefix and its opcode */
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];
// SIMD opcodes (lane-wise IEEE arithmetic, as the scalar instructions per lane)
export const V = {
  load: 0x00, store: 0x0b, const: 0x0c, shuffle: 0x0d, f64x2Splat: 0x14, f64x2Nearest: 0x94, i64x2Shl: 0xcb,
  f64x2Neg: 0xed, f64x2Add: 0xf0, f64x2Sub: 0xf1, f64x2Mul: 0xf2, f64x2Div: 0xf3,
  /** pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a: one instruction each, where min / max must order -0 and NaN */
  f64x2Pmin: 0xf6, f64x2Pmax: 0xf7,
} as const;
/** v128.const of two f64 lanes holding v */
export const f64x2const = (v: number): number[] => [...simd(V.const), ...new Uint8Array(Float64Array.of(v, v).buffer)];

/** local.get / local.set / local.tee of local i, and i32.const v. */
export const get = (i: number): number[] => [GET, i];
export const set = (i: number): number[] => [SET, i];
export const tee = (i: number): number[] => [TEE, i];
export const i32 = (v: number): number[] => [I32C, ...sleb(v)];

/** while (i < end) { body; i++ } over i32 locals. */
export function countedLoop(i: number, end: number, body: number[]): number[] {
  return [BLOCK, VOID, LOOP, VOID, ...get(i), ...get(end), GES, BRIF, 1, ...body, ...get(i), ...i32(1), ADD, ...set(i), BR, 0, END, END];
}

/** f64.const v: the opcode and the value's 8 little-endian bytes. */
export function f64const(v: number): number[] {
  return [0x44, ...new Uint8Array(Float64Array.of(v).buffer)];
}


export interface WasmFunction {
  name: string;
  /** parameter types (I32 / F64), or a number of i32 parameters */
  params: number | readonly number[];
  /** result types, or a number of i32 results (0 or 1) */
  results: number | readonly number[];
  locals: [count: number, type: number][];
  code: number[];
}

const typesOf = (t: number | readonly number[]): number[][] => (typeof t === 'number' ? Array.from({ length: t }, () => [I32]) : t.map((x) => [x]));

/** Pages a wasm32 memory can hold at most (4 GiB). */
export const MAX_PAGES = 65536;

/**
 * A module of exported functions sharing one memory, exported as `mem`: its own, or (`sharedMemory`) a shared memory imported
 * as env.mem, so several threads' instances of the module work on the same bytes.
 */
export function moduleOf(functions: WasmFunction[], sharedMemory = false): WebAssembly.Module {
  const types = vec(functions.map((f) => [0x60, ...vec(typesOf(f.params)), ...vec(typesOf(f.results))]));
  const bodies = functions.map((f) => {
    const body = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.code];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    // limits flag 3: a maximum follows and the memory is shared
    ...(sharedMemory ? section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x03, ...uleb(1), ...uleb(MAX_PAGES)]])) : []),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...(sharedMemory ? [] : section(5, vec([[0x00, ...uleb(1)]]))),
    ...section(7, vec([...functions.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]), [...str('mem'), 0x02, 0]])),
    ...section(10, vec(bodies)),
  ];
  return new WebAssembly.Module(new Uint8Array(bytes));
}
