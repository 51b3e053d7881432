import { MISSING_BIN, type BinMapper } from './binning.ts';
import { CATEGORICAL, MISSING_LEFT, type Forest } from './forest.ts';

/** A tree in bin space, before thresholds are mapped back to raw values. */
export interface BinTree {
  feature: number[];
  /** per internal node: 256 flags, 1 = this bin goes left (missing bin included); null for a numeric split given by
   *  `bin` and `missingLeft` (a forest's deep trees would spend 256 bytes a node otherwise) */
  lut: (Uint8Array | null)[];
  /** numeric splits without a lut: whether missing values go left */
  missingLeft?: boolean[];
  /** numeric split bin (bins <= go left) */
  bin: number[];
  left: number[];
  right: number[];
  value: number[];
  /** per leaf: one value per output, for ensembles whose leaves are vectors (random forest class shares) */
  vectors?: (Float64Array | null)[];
}

/** Whether bin b goes left at internal node `node` of a bin-space tree. */
export function binGoesLeft(t: BinTree, node: number, b: number): boolean {
  const lut = t.lut[node];
  if (lut) return lut[b] === 1;
  return b === MISSING_BIN ? t.missingLeft![node] : b <= t.bin[node];
}

/**
 * 1 when bin b goes left at a threshold split (bins <= bin left, the missing bin to the side missingLeft says), else 0,
 * without a branch: (b + 1) >> 8 is 1 for MISSING_BIN (255) alone. For loops where a row's side is unpredictable.
 */
export function thresholdGoesLeft(b: number, bin: number, missingLeft: number): number {
  const le = ((bin - b) >>> 31) ^ 1;
  return le ^ (((b + 1) >> 8) & (le ^ missingLeft));
}

/** Map bin-space trees to raw thresholds and flatten them into one Forest (GBDT and random forest alike). */
export function flatten(trees: BinTree[], treeOutput: number[], mappers: BinMapper[], nCategories: number[], base: Float64Array, leafWidth = 1): Forest {
  let total = 0;
  for (const t of trees) total += t.feature.length;
  const feature = new Int32Array(total);
  const value = new Float64Array(total);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const flags = new Uint8Array(total);
  const catOffset = new Int32Array(total).fill(-1);
  const catWords: number[] = [];
  const leafValues: number[] = [];
  const roots = new Int32Array(trees.length);
  let offset = 0;
  trees.forEach((t, ti) => {
    roots[ti] = offset;
    for (let i = 0; i < t.feature.length; i++) {
      const at = offset + i;
      const f = t.feature[i];
      feature[at] = f;
      if (f < 0) {
        left[at] = right[at] = -1;
        if (leafWidth === 1) value[at] = t.value[i];
        else {
          // vector leaves (random forest class shares): the node holds the offset of its values
          value[at] = leafValues.length;
          for (let c = 0; c < leafWidth; c++) leafValues.push(t.vectors![i]![c]);
        }
        continue;
      }
      left[at] = offset + t.left[i];
      right[at] = offset + t.right[i];
      const lut = t.lut[i];
      if (lut ? lut[MISSING_BIN] === 1 : t.missingLeft![i]) flags[at] |= MISSING_LEFT;
      const m = mappers[f];
      if (m.kind === 'numeric') {
        value[at] = t.bin[i] < m.nBins - 1 ? m.edges[t.bin[i]] : Infinity;
      } else {
        flags[at] |= CATEGORICAL;
        catOffset[at] = catWords.length;
        const words = new Uint32Array(Math.ceil(nCategories[f] / 32));
        for (let b = 0; b < m.nBins; b++) if (lut![b] === 1) words[b >>> 5] |= 1 << (b & 31);
        catWords.push(...words);
      }
    }
    offset += t.feature.length;
  });
  return {
    nOutputs: base.length,
    base,
    roots,
    treeOutput: Int32Array.from(treeOutput),
    feature,
    value,
    left,
    right,
    flags,
    catOffset,
    catBits: Uint32Array.from(catWords),
    nCategories: Int32Array.from(nCategories),
    leafWidth: Int32Array.of(leafWidth),
    leafValues: Float64Array.from(leafValues),
  };
}

