import type { FeatureMatrix } from '../matrix.ts';
import { CATEGORICAL, MISSING_LEFT, type Forest } from './forest-shape.ts';
import { predictRawWasm } from './wasm-walk.ts';

// the shape lives apart so the WebAssembly walk can read it without importing this module (no cycle)
export { CATEGORICAL, MISSING_LEFT, type Forest };

/**
 * Raw scores (row-major, rows x nOutputs) for every row of the matrix. Rows go through in blocks: a block's feature values are
 * copied row-major into a buffer, then every tree walks the block.
 */
export function predictRaw(forest: Forest, X: FeatureMatrix): Float64Array {
  const fast = predictRawWasm(forest, X);
  if (fast) return fast;
  const { nOutputs, base, roots, treeOutput, feature, value, left, right, flags, catOffset, catBits, nCategories, leafValues } = forest;
  const width = forest.leafWidth[0];
  const n = X.rows;
  const F = X.columns.length;
  const cols = X.columns;
  const out = new Float64Array(n * nOutputs);
  // Small trees (boosting) stay in cache across a block of rows; large ones (a forest's deep trees) do not, and are better
  // walked one tree at a time over every row.
  const nodesPerTree = feature.length / Math.max(1, roots.length);
  const BLOCK = nodesPerTree > 4096 ? Math.max(1, n) : 64;
  const buf = new Float64Array(Math.min(BLOCK, Math.max(1, n)) * F);
  for (let r = 0; r < n; r++) for (let k = 0; k < nOutputs; k++) out[r * nOutputs + k] = base[k];
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const bn = Math.min(BLOCK, n - b0);
    for (let f = 0; f < F; f++) {
      const col = cols[f];
      for (let i = 0; i < bn; i++) buf[i * F + f] = col[b0 + i];
    }
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t];
      const k = treeOutput[t];
      for (let i = 0; i < bn; i++) {
        const row = i * F;
        let node = root;
        let f = feature[node];
        while (f >= 0) {
          const v = buf[row + f];
          const fl = flags[node];
          // children are adjacent (right = left + 1), so the common numeric case needs no branch: NaN fails <= and goes right
          if (fl === 0) node = left[node] + (v <= value[node] ? 0 : 1);
          else {
            let goLeft: boolean;
            if (v !== v) goLeft = (fl & MISSING_LEFT) !== 0;
            else if ((fl & CATEGORICAL) !== 0) {
              const c = v | 0;
              goLeft = c >= 0 && c < nCategories[f] ? ((catBits[catOffset[node] + (c >>> 5)] >>> (c & 31)) & 1) === 1 : (fl & MISSING_LEFT) !== 0;
            } else goLeft = v <= value[node];
            node = goLeft ? left[node] : right[node];
          }
          f = feature[node];
        }
        if (width === 1) out[(b0 + i) * nOutputs + k] += value[node];
        else {
          const o = (b0 + i) * nOutputs;
          const off = value[node];
          for (let c = 0; c < width; c++) out[o + c] += leafValues[off + c];
        }
      }
    }
  }
  return out;
}
