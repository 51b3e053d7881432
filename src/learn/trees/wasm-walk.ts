import type { FeatureMatrix } from '../matrix.ts';
import { ADD, AND, BLOCK, BR, BRIF, ELSE, END, EQZ, I32EQ, F64, F64ADD, f64const, F64EQ, F64LE, F64LOAD, F64NE, F64STORE, GES, get, i32, I32, I32_TRUNC_SAT_F64_S, I32LOAD, I32LTU, IF, LOOP, moduleOf, MUL, SELECT, set, SHL, SHRU, SUB, TEE, tee, uleb, VOID } from '../wasm/assembler.ts';
import { CATEGORICAL, MISSING_LEFT, type Forest } from './forest-shape.ts';

/**
 * Tree walking in WebAssembly for forests with scalar leaves (gradient boosting): the same walk as the JavaScript one, without bounds checks and boxed values, with 8 rows walked in lock-step so their loads
 * overlap (100 trees of depth 6 over 100k rows: 0.13 s, the JavaScript walk 0.6 s). The module is assembled below from a
 * fixed instruction list (nothing from a model bundle is executed: bundles only fill its memory with numbers).
 */

// parameters and locals of walk()
const P = { nTrees: 0, roots: 1, treeOut: 2, depth: 3, nodes: 4, leafVal: 5, rows: 6, nRows: 7, F: 8, out: 9, nOut: 10 };
const LANES = 8;
const L = { t: 11, r: 12, k: 13, d: 14, D: 15, root: 16, rowBytes: 17, at: 18, prev: 19, node: 20, base: 20 + LANES, col: 20 + 2 * LANES, c: 21 + 2 * LANES, x: 22 + 2 * LANES };

const load32at = (offset: number) => [I32LOAD, 2, ...uleb(offset)];
const load64 = [F64LOAD, 3, 0];
/** base + index * (1 << shift) */
const addr = (base: number[], index: number[], shift: number) => [...base, ...index, ...i32(shift), SHL, ADD];

/**
 * One step of one lane: a node is 16 bytes (f64 threshold, i32 column, i32 left child), the right child is left + 1. A row
 * is held twice: as it is (NaN fails `x <= t`, so a missing value goes right) and with missing values as -Infinity (which
 * passes it, so it goes left); a node whose missing values go left reads the second copy (its column index is F higher).
 * One comparison then routes every value, missing ones included (the earlier walk tested for NaN and the node's flag on
 * every step). Leaves are threshold +Infinity, left = themselves, so extra steps keep a finished row where it is.
 * A categorical split has column index 2F + feature and, in place of the threshold, the address of a 256-bit set: the
 * category code's bit says left (1) or right; codes past the feature's categories, missing values and anything not a code
 * read bit 255, which holds where missing values go.
 */
function step(lane: number): number[] {
  const node = L.node + lane;
  const W = get(P.F); // the row width, 2F
  return [
    ...addr(get(P.nodes), get(node), 4), ...tee(L.at), ...load32at(8), ...tee(L.col), ...W, GES,
    IF, VOID,
    ...get(L.base + lane), ...get(L.col), ...W, SUB, ...i32(3), SHL, ADD, ...load64, ...set(L.x),
    ...get(L.x), ...I32_TRUNC_SAT_F64_S, ...set(L.c),
    ...get(L.c), ...i32(255), ...get(L.x), ...get(L.x), F64EQ, ...get(L.c), ...i32(256), I32LTU, AND, SELECT, ...set(L.c),
    ...get(L.at), ...load32at(0), ...get(L.c), ...i32(5), SHRU, ...i32(2), SHL, ADD, ...load32at(0),
    ...get(L.c), ...i32(31), AND, SHRU, ...i32(1), AND, ...set(L.c),
    ...get(L.at), ...load32at(12), ...i32(1), ADD, ...get(L.c), SUB, ...set(node),
    ELSE,
    ...get(L.at), ...load32at(12),
    ...get(L.base + lane), ...get(L.col), ...i32(3), SHL, ADD, ...load64,
    ...get(L.at), ...load64, F64LE,
    EQZ, ADD, ...set(node),
    END,
  ];
}

/** out[target] += leafVal[node of the lane], `target` the code of the output's address. */
function addLeaf(target: number[], lane: number): number[] {
  return [...target, ...target, ...load64, ...addr(get(P.leafVal), get(L.node + lane), 3), ...load64, F64ADD, F64STORE, 3, 0];
}

/** out[(r + lane) * nOut + k] += leafVal[node] */
function accumulate(lane: number): number[] {
  return addLeaf(addr(get(P.out), [...get(L.r), ...i32(lane), ADD, ...get(P.nOut), MUL, ...get(L.k), ADD], 3), lane);
}

/** out[treeOut[t + lane]] += leafVal[node]: a lane of the tree walk adds its own tree's leaf to that tree's output. */
function accumulateTree(lane: number): number[] {
  return addLeaf(addr(get(P.out), [...addr(get(P.treeOut), [...get(L.t), ...i32(lane), ADD], 2), ...load32at(0)], 3), lane);
}

/** Every lane takes D steps together (a lane at its leaf stays there). */
function lockstep(lanes: number): number[] {
  const code = [...i32(0), ...set(L.d), BLOCK, VOID, LOOP, VOID, ...get(L.d), ...get(L.D), GES, BRIF, 1];
  for (let j = 0; j < lanes; j++) code.push(...step(j));
  return [...code, ...get(L.d), ...i32(1), ADD, ...set(L.d), BR, 0, END, END];
}

/** Lane 0 alone steps until it stands still (a leaf leads to itself), not the tree's deepest path's steps. */
const TO_LEAF = [BLOCK, VOID, LOOP, VOID, ...get(L.node), ...set(L.prev), ...step(0), ...get(L.node), ...get(L.prev), I32EQ, BRIF, 1, BR, 0, END, END];

/** Walk `lanes` rows starting at row r through tree t, then add their leaves. */
function walkRows(lanes: number): number[] {
  const code: number[] = [];
  for (let j = 0; j < lanes; j++) {
    code.push(...get(L.root), ...set(L.node + j));
    code.push(...get(P.rows), ...get(L.r), ...i32(j), ADD, ...get(L.rowBytes), MUL, ADD, ...set(L.base + j));
  }
  code.push(...(lanes === 1 ? TO_LEAF : lockstep(lanes)));
  for (let j = 0; j < lanes; j++) code.push(...accumulate(j));
  return code;
}

/**
 * One row through every tree (`rows` = the row's address, `depth` = the deepest path of each group of LANES trees): LANES
 * trees walked in lock-step so their loads overlap (a row walked tree after tree waits on every load in turn), then the
 * remaining trees one at a time.
 */
function walkTreesCode(): number[] {
  const lanes: number[] = [];
  for (let j = 0; j < LANES; j++) lanes.push(...addr(get(P.roots), [...get(L.t), ...i32(j), ADD], 2), ...load32at(0), ...set(L.node + j), ...get(P.rows), ...set(L.base + j));
  const add: number[] = [];
  for (let j = 0; j < LANES; j++) add.push(...accumulateTree(j));
  return [
    ...i32(0), ...set(L.t),
    BLOCK, VOID, LOOP, VOID,
    ...get(L.t), ...i32(LANES), ADD, ...get(P.nTrees), 0x4a /* i32.gt_s */, BRIF, 1,
    ...lanes,
    ...addr(get(P.depth), [...get(L.t), ...i32(3), SHRU], 2), ...load32at(0), ...set(L.D),
    ...lockstep(LANES),
    ...add,
    ...get(L.t), ...i32(LANES), ADD, ...set(L.t),
    BR, 0,
    END, END,
    // the remaining trees one at a time
    BLOCK, VOID, LOOP, VOID,
    ...get(L.t), ...get(P.nTrees), GES, BRIF, 1,
    ...addr(get(P.roots), get(L.t), 2), ...load32at(0), ...set(L.node), ...get(P.rows), ...set(L.base),
    ...TO_LEAF,
    ...accumulateTree(0),
    ...get(L.t), ...i32(1), ADD, ...set(L.t),
    BR, 0,
    END, END,
    END,
  ];
}

function walkCode(): number[] {
  const code = [
    ...get(P.F), ...i32(3), SHL, ...set(L.rowBytes),
    ...i32(0), ...set(L.t),
    BLOCK, VOID, LOOP, VOID,
    ...get(L.t), ...get(P.nTrees), GES, BRIF, 1,
    ...addr(get(P.treeOut), get(L.t), 2), ...load32at(0), ...set(L.k),
    ...addr(get(P.roots), get(L.t), 2), ...load32at(0), ...set(L.root),
    ...addr(get(P.depth), get(L.t), 2), ...load32at(0), ...set(L.D),
    ...i32(0), ...set(L.r),
    // rows in groups of LANES: independent walks whose loads overlap
    BLOCK, VOID, LOOP, VOID,
    ...get(L.r), ...i32(LANES), ADD, ...get(P.nRows), 0x4a /* i32.gt_s */, BRIF, 1,
    ...walkRows(LANES),
    ...get(L.r), ...i32(LANES), ADD, ...set(L.r),
    BR, 0,
    END, END,
    // the remaining rows one at a time
    BLOCK, VOID, LOOP, VOID,
    ...get(L.r), ...get(P.nRows), GES, BRIF, 1,
    ...walkRows(1),
    ...get(L.r), ...i32(1), ADD, ...set(L.r),
    BR, 0,
    END, END,
    ...get(L.t), ...i32(1), ADD, ...set(L.t),
    BR, 0,
    END, END,
    END,
  ];
  return code;
}

// rows(cols, m, F, out): column-major values cols[f * m + i] to the walk's rows, each row twice (see step):
// out[i * 2F + f] = v and out[i * 2F + F + f] = (v is NaN ? -Infinity : v). (The same loop in JavaScript ran cold on a
// model's first prediction: a third of a 100k-row call.)
const ROWS = (() => {
  const [cols, m, F, out, f, i, src, dst, W, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  return [
    ...get(F), ...i32(4), SHL, ...set(W),
    ...get(cols), ...set(src),
    ...i32(0), ...set(f),
    BLOCK, VOID, LOOP, VOID,
    ...get(f), ...get(F), GES, BRIF, 1,
    ...get(out), ...get(f), ...i32(3), SHL, ADD, ...set(dst),
    ...i32(0), ...set(i),
    BLOCK, VOID, LOOP, VOID,
    ...get(i), ...get(m), GES, BRIF, 1,
    ...get(dst), ...get(src), ...load64, TEE, v, F64STORE, 3, 0,
    ...get(dst), ...get(F), ...i32(3), SHL, ADD, ...f64const(-Infinity), ...get(v), ...get(v), ...get(v), F64NE, SELECT, F64STORE, 3, 0,
    ...get(src), ...i32(8), ADD, ...set(src),
    ...get(dst), ...get(W), ADD, ...set(dst),
    ...get(i), ...i32(1), ADD, ...set(i),
    BR, 0,
    END, END,
    ...get(f), ...i32(1), ADD, ...set(f),
    BR, 0,
    END, END,
    END,
  ];
})();

let compiled: WebAssembly.Module | null = null;

function module(): WebAssembly.Module {
  compiled ??= moduleOf([
    { name: 'walk', params: 11, results: 0, locals: [[L.x - L.t, I32], [1, F64]], code: walkCode() },
    { name: 'rows', params: 4, results: 0, locals: [[5, I32], [1, F64]], code: ROWS },
    { name: 'walkTrees', params: 11, results: 0, locals: [[L.x - L.t, I32], [1, F64]], code: walkTreesCode() },
  ]);
  return compiled;
}

interface Instance {
  walk: (...args: number[]) => void;
  walkTrees: (...args: number[]) => void;
  rows: (...args: number[]) => void;
  mem: WebAssembly.Memory;
  /** a view of the whole memory, renewed when it grows */
  f64: Float64Array;
  offsets: { roots: number; treeOut: number; depth: number; groupDepth: number; nodes: number; leafVal: number; end: number };
}

const instances = new WeakMap<Forest, Instance | null>();

function treeDepths(forest: Forest): Int32Array {
  return Int32Array.from(forest.roots, (root) => {
    let deepest = 0;
    const stack: [number, number][] = [[root, 0]];
    while (stack.length > 0) {
      const [node, d] = stack.pop()!;
      if (forest.feature[node] < 0) deepest = Math.max(deepest, d);
      else stack.push([forest.left[node], d + 1], [forest.right[node], d + 1]);
    }
    return deepest;
  });
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** An instance holding this forest's arrays, or null when the forest needs the general walk. */
function instanceFor(forest: Forest): Instance | null {
  if (instances.has(forest)) return instances.get(forest)!;
  let inst: Instance | null = null;
  const nodes = forest.feature.length;
  const F = forest.nCategories.length;
  // categorical splits test a code against a 256-bit set whose last bit says where missing values go
  const simple = forest.leafWidth[0] === 1 && forest.nCategories.every((c) => c <= 255) && forest.feature.every((f, i) => f < 0 || forest.right[i] === forest.left[i] + 1);
  if (simple && typeof WebAssembly === 'object') {
    const nt = forest.roots.length;
    const o = { roots: 0, treeOut: 0, depth: 0, groupDepth: 0, nodes: 0, leafVal: 0, end: 0 };
    let at = 0;
    const take = (bytes: number) => {
      const p = at;
      at = align8(at + bytes);
      return p;
    };
    o.roots = take(nt * 4);
    o.treeOut = take(nt * 4);
    o.depth = take(nt * 4);
    o.groupDepth = take(Math.ceil(nt / LANES) * 4);
    o.nodes = take(nodes * 16);
    o.leafVal = take(nodes * 8);
    let categorical = 0;
    for (let i = 0; i < nodes; i++) if (forest.feature[i] >= 0 && (forest.flags[i] & CATEGORICAL) !== 0) categorical++;
    const sets = take(categorical * 32);
    o.end = at;
    const wasm = new WebAssembly.Instance(module(), {});
    const mem = wasm.exports.mem as WebAssembly.Memory;
    grow(mem, o.end);
    const buf = mem.buffer;
    new Int32Array(buf, o.roots, nt).set(forest.roots);
    new Int32Array(buf, o.treeOut, nt).set(forest.treeOutput);
    const depths = treeDepths(forest);
    new Int32Array(buf, o.depth, nt).set(depths);
    const groupDepth = new Int32Array(buf, o.groupDepth, Math.ceil(nt / LANES));
    for (let t = 0; t < nt; t++) groupDepth[t >> 3] = Math.max(groupDepth[t >> 3], depths[t]);
    const f64 = new Float64Array(buf, o.nodes, nodes * 2);
    const i32v = new Int32Array(buf, o.nodes, nodes * 4);
    const leaf = new Float64Array(buf, o.leafVal, nodes);
    const words = new Uint32Array(buf, sets, categorical * 8);
    let nextSet = 0;
    for (let i = 0; i < nodes; i++) {
      const f = forest.feature[i];
      if (f >= 0 && (forest.flags[i] & CATEGORICAL) !== 0) {
        const at = nextSet++ * 8;
        const missingLeft = (forest.flags[i] & MISSING_LEFT) !== 0;
        for (let c = 0; c < 256; c++) {
          const left = c < forest.nCategories[f] ? ((forest.catBits[forest.catOffset[i] + (c >>> 5)] >>> (c & 31)) & 1) === 1 : missingLeft;
          if (left) words[at + (c >>> 5)] |= 1 << (c & 31);
        }
        i32v[4 * i] = sets + at * 4;
        i32v[4 * i + 2] = 2 * F + f;
        i32v[4 * i + 3] = forest.left[i];
        continue;
      }
      if (forest.feature[i] < 0) {
        // a leaf reads a value that is never NaN (the second copy of column 0): it is <= +Infinity, so the row stays
        f64[2 * i] = Infinity;
        i32v[4 * i + 2] = F;
        i32v[4 * i + 3] = i;
        leaf[i] = forest.value[i];
      } else {
        f64[2 * i] = forest.value[i];
        i32v[4 * i + 2] = forest.feature[i] + ((forest.flags[i] & MISSING_LEFT) !== 0 ? F : 0);
        i32v[4 * i + 3] = forest.left[i];
      }
    }
    const exports = wasm.exports as unknown as Pick<Instance, 'walk' | 'walkTrees' | 'rows'>;
    inst = { walk: exports.walk, walkTrees: exports.walkTrees, rows: exports.rows, mem, f64: new Float64Array(mem.buffer), offsets: o };
  }
  instances.set(forest, inst);
  return inst;
}

function grow(mem: WebAssembly.Memory, bytes: number): void {
  const need = Math.ceil(bytes / 65536) - mem.buffer.byteLength / 65536;
  if (need > 0) mem.grow(need);
}

/** Raw scores through WebAssembly, or null when this forest needs the general walk. Rows go in chunks to bound memory. */
export function predictRawWasm(forest: Forest, X: FeatureMatrix): Float64Array | null {
  const inst = instanceFor(forest);
  if (!inst) return null;
  const { nOutputs: K, base } = forest;
  const n = X.rows;
  const F = X.columns.length;
  if (F !== forest.nCategories.length) return null;
  const out = new Float64Array(n * K);
  // rows per chunk: well under a MB of staged columns and rows, reused chunk after chunk (fresh pages cost a fault on first
  // touch: on this machine a 16k-row chunk's 8 MB took 20 ms, a sixth of a 100k-row call, to fault in)
  const CHUNK = Math.max(256, Math.min(2_048, Math.floor(2 ** 16 / Math.max(1, F))));
  const c = Math.min(CHUNK, n);
  // columns are staged (copied in whole) beside the rows, each row held twice (see step)
  const W = 2 * F;
  const rowsAt = inst.offsets.end;
  const outAt = align8(rowsAt + c * W * 8);
  const stageAt = align8(outAt + c * K * 8);
  grow(inst.mem, stageAt + c * F * 8);
  if (inst.f64.buffer !== inst.mem.buffer) inst.f64 = new Float64Array(inst.mem.buffer);
  const mem = inst.f64;
  const off = inst.offsets;
  const nTrees = forest.roots.length;
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const m = Math.min(CHUNK, n - c0);
    for (let f = 0; f < F; f++) {
      const col = X.columns[f];
      const at = stageAt / 8 + f * m;
      for (let i = 0; i < m; i++) mem[at + i] = col[c0 + i];
    }
    inst.rows(stageAt, m, F, rowsAt);
    for (let i = 0; i < m; i++) for (let k = 0; k < K; k++) mem[outAt / 8 + i * K + k] = base[k];
    if (m < LANES) {
      // a few rows (a served request): each row walks LANES trees at a time
      for (let i = 0; i < m; i++) inst.walkTrees(nTrees, off.roots, off.treeOut, off.groupDepth, off.nodes, off.leafVal, rowsAt + i * W * 8, 1, W, outAt + i * K * 8, K);
    } else {
      // 256 rows at a time through every tree: the trees stay in cache while a block's rows stay in L1
      for (let b = 0; b < m; b += 256) {
        const bm = Math.min(256, m - b);
        inst.walk(nTrees, off.roots, off.treeOut, off.depth, off.nodes, off.leafVal, rowsAt + b * W * 8, bm, W, outAt + b * K * 8, K);
      }
    }
    for (let i = 0; i < m * K; i++) out[c0 * K + i] = mem[outAt / 8 + i];
  }
  return out;
}
