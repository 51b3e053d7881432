/**
 * A trained tree ensemble as flat typed arrays (one entry per node across all trees), so prediction walks arrays instead of
 * objects and a model loads from a bundle without rebuilding anything.
 */
export interface Forest {
  /** number of raw outputs (1, or the number of classes for multiclass) */
  nOutputs: number;
  /** starting raw score per output */
  base: Float64Array;
  /** root node index of every tree */
  roots: Int32Array;
  /** which output each tree adds to */
  treeOutput: Int32Array;
  /** split feature per node, -1 for a leaf */
  feature: Int32Array;
  /** numeric split: go left when value <= threshold; leaf: the value it adds */
  value: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** bit 0: missing (and unknown categories) go left; bit 1: categorical split */
  flags: Uint8Array;
  /** categorical split: offset into catBits of the node's bitset of categories that go left */
  catOffset: Int32Array;
  catBits: Uint32Array;
  /** categories per feature (bitset length), 0 for numeric */
  nCategories: Int32Array;
  /** [w]: 1 when a leaf adds value[leaf] to its tree's output; w > 1 when it adds leafValues[value[leaf] .. +w] to all outputs */
  leafWidth: Int32Array;
  leafValues: Float64Array;
}

export const MISSING_LEFT = 1;
export const CATEGORICAL = 2;
