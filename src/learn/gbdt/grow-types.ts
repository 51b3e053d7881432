/** What the tree grower and its categorical split search share. */

export interface GrowParams {
  maxLeafNodes: number;
  /** 0 = unlimited */
  maxDepth: number;
  minSamplesLeaf: number;
  minChildWeight: number;
  l2: number;
  learningRate: number;
  /** smoothing of the gradient ratio used to order categories, and extra L2 on categorical splits (LightGBM's cat_smooth, cat_l2) */
  catSmooth: number;
  catL2: number;
  /** categories with fewer rows in a leaf are not ordered (they go right); LightGBM's cat_smooth doubles as this */
  catMinCount: number;
  /** rows a group must gain before another threshold is tried (LightGBM's min_data_per_group) */
  catMinGroup: number;
  /** most categories on the left of a split (LightGBM's max_cat_threshold) */
  catMaxThreshold: number;
  /** bound on a leaf's Newton step before shrinkage; 0 = none */
  maxDeltaStep: number;
}

export interface Split {
  gain: number;
  feature: number;
  lut: Uint8Array;
  bin: number;
  /** quantised gradient and hessian sums of the left child (decoded), from the histogram */
  gl: number;
  hl: number;
  nl: number;
}

/**
 * How gradients are quantised for one tree (Shi et al., "Quantized Training of Gradient Boosting Decision Trees", as in
 * LightGBM 4): g and h are stochastically rounded to integers and packed into one double, g * shift + h, so a histogram bin
 * is a single exact integer sum. Split gains use the quantised sums; leaf values are recomputed from the exact gradients.
 */
export interface Quantizer {
  shift: number;
  scaleG: number;
  scaleH: number;
}
