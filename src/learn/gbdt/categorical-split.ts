import { MISSING_BIN } from '../trees/binning.ts';
import type { GrowParams, Quantizer, Split } from './grow-types.ts';

/** The best split of a categorical feature in a leaf's histogram (the tree grower's, with its scratch arrays). */
export class CategoricalSplitter {
  // scratch (no allocation per feature per leaf): per-bin sums, and the bins in order of their ratio
  private readonly catG = new Float64Array(256);
  private readonly catH = new Float64Array(256);
  private readonly catN = new Float64Array(256);
  private readonly catKey = new Float64Array(256);
  private readonly catOrder = new Int32Array(256);

  /**
   * Order the categories by smoothed gradient ratio and take the best group from either end of that order (Fisher's
   * grouping, as LightGBM does), with LightGBM's safeguards against fitting noise on features of many levels: categories
   * seen fewer than `catMinCount` times in the leaf are not ordered (they go right, with unseen ones), a group may hold at
   * most `catMaxThreshold` categories, and a threshold is tried only once `catMinGroup` more rows joined the group since the
   * last one tried (so small categories are not peeled off one at a time). Row counts are known when the histogram keeps them
   * (a minimum leaf size, `counts`); without them only the ordering and the cap apply.
   */
  find(hist: Float64Array, base: number, nBins: number, n: number, G: number, H: number, minGain: number, p: GrowParams, counts: boolean, q: Quantizer): Omit<Split, 'feature'> | null {
    const slot = counts ? 2 : 1;
    const { shift, scaleG, scaleH } = q;
    const cg = this.catG;
    const ch = this.catH;
    const cn = this.catN;
    const key = this.catKey;
    const cats = this.catOrder;
    let m = 0;
    for (let i = 0; i <= nBins; i++) {
      const b = i === nBins ? MISSING_BIN : i;
      const sum = hist[base + b * slot];
      const gq = Math.floor(sum / shift);
      const g = gq * scaleG;
      const h = (sum - gq * shift) * scaleH;
      const c = counts ? hist[base + b * slot + 1] : h > 0 ? 1 : 0;
      if (c <= 0 && h <= 0) continue;
      if (counts && c < p.catMinCount) continue;
      cg[b] = g;
      ch[b] = h;
      cn[b] = c;
      // insertion by ratio (few categories: cheaper than a comparator sort)
      const k = g / (h + p.catSmooth);
      let j = m++;
      while (j > 0 && key[j - 1] > k) {
        key[j] = key[j - 1];
        cats[j] = cats[j - 1];
        j--;
      }
      key[j] = k;
      cats[j] = b;
    }
    if (m < 2) return null;
    const lambda = p.l2 + p.catL2;
    const parent = (G * G) / (H + lambda);
    const most = Math.min(p.catMaxThreshold, Math.floor((m + 1) / 2));
    let bestGain = minGain;
    let best: { from: number; to: number; gl: number; hl: number; nl: number } | null = null;
    // the group grows from the low end of the order, then from the high end
    for (const dir of [1, -1]) {
      let GL = 0;
      let HL = 0;
      let NL = 0;
      let group = 0;
      for (let t = 0; t < Math.min(most, m - 1); t++) {
        const b = cats[dir === 1 ? t : m - 1 - t];
        GL += cg[b];
        HL += ch[b];
        NL += cn[b];
        group += cn[b];
        if (counts && group < p.catMinGroup) continue;
        if (counts && (NL < p.minSamplesLeaf || n - NL < p.minSamplesLeaf)) continue;
        if (HL < p.minChildWeight || H - HL < p.minChildWeight) continue;
        group = 0;
        const gain = (GL * GL) / (HL + lambda) + ((G - GL) * (G - GL)) / (H - HL + lambda) - parent;
        if (gain > bestGain) {
          bestGain = gain;
          best = dir === 1 ? { from: 0, to: t, gl: GL, hl: HL, nl: NL } : { from: m - 1 - t, to: m - 1, gl: GL, hl: HL, nl: NL };
        }
      }
    }
    if (!best) return null;
    const lut = new Uint8Array(256);
    for (let k = best.from; k <= best.to; k++) lut[cats[k]] = 1;
    return { gain: bestGain, lut, bin: -1, gl: best.gl, hl: best.hl, nl: best.nl };
  }
}
