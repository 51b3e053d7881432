import { invalid } from '../../core/errors.ts';
import type { Forest } from './forest.ts';

import type { NamedArrays } from '../estimator.ts';

export type { NamedArrays };

const FIELDS = ['base', 'roots', 'treeOutput', 'feature', 'value', 'left', 'right', 'flags', 'catOffset', 'catBits', 'nCategories', 'leafWidth', 'leafValues'] as const;

/** The forest as named typed arrays, for the bundle's binary file. */
export function forestToArrays(forest: Forest): NamedArrays {
  const out: NamedArrays = {};
  for (const k of FIELDS) out[`forest.${k}`] = forest[k];
  return out;
}

function expect<T>(arrays: NamedArrays, name: string, ctor: new (n: number) => T): T {
  const a = arrays[`forest.${name}`];
  if (!(a instanceof (ctor as unknown as typeof Float64Array))) throw invalid(`model bundle: array forest.${name} is missing or has the wrong type`);
  return a as unknown as T;
}

/**
 * Rebuild a forest from bundle arrays, checking every index stays inside its array so a corrupt or hostile bundle cannot make
 * prediction read out of bounds or loop forever (children must point forward).
 */
export function forestFromArrays(arrays: NamedArrays, nFeatures: number): Forest {
  const f: Forest = {
    nOutputs: 0,
    base: expect(arrays, 'base', Float64Array),
    roots: expect(arrays, 'roots', Int32Array),
    treeOutput: expect(arrays, 'treeOutput', Int32Array),
    feature: expect(arrays, 'feature', Int32Array),
    value: expect(arrays, 'value', Float64Array),
    left: expect(arrays, 'left', Int32Array),
    right: expect(arrays, 'right', Int32Array),
    flags: expect(arrays, 'flags', Uint8Array),
    catOffset: expect(arrays, 'catOffset', Int32Array),
    catBits: expect(arrays, 'catBits', Uint32Array),
    nCategories: expect(arrays, 'nCategories', Int32Array),
    leafWidth: expect(arrays, 'leafWidth', Int32Array),
    leafValues: expect(arrays, 'leafValues', Float64Array),
  };
  f.nOutputs = f.base.length;
  const nodes = f.feature.length;
  const bad = (what: string) => invalid(`model bundle: forest is inconsistent (${what})`);
  if ([f.value, f.left, f.right, f.flags, f.catOffset].some((a) => a.length !== nodes)) throw bad('node array lengths differ');
  if (f.treeOutput.length !== f.roots.length || f.nCategories.length !== nFeatures || f.nOutputs < 1) throw bad('tree or feature counts');
  for (let t = 0; t < f.roots.length; t++) {
    if (f.roots[t] < 0 || f.roots[t] >= nodes) throw bad(`root of tree ${t}`);
    if (f.treeOutput[t] < 0 || f.treeOutput[t] >= f.nOutputs) throw bad(`output of tree ${t}`);
  }
  const width = f.leafWidth[0];
  if (f.leafWidth.length !== 1 || !(width >= 1) || (width > 1 && width !== f.nOutputs)) throw bad('leaf width');
  for (let i = 0; i < nodes; i++) {
    const feat = f.feature[i];
    if (feat < 0) {
      if (width > 1 && !(Number.isInteger(f.value[i]) && f.value[i] >= 0 && f.value[i] + width <= f.leafValues.length)) throw bad(`leaf values of node ${i}`);
      continue;
    }
    if (feat >= nFeatures) throw bad(`feature index at node ${i}`);
    if (!(f.left[i] > i && f.left[i] < nodes && f.right[i] > i && f.right[i] < nodes)) throw bad(`children of node ${i}`);
    if ((f.flags[i] & 2) !== 0) {
      const words = Math.ceil(f.nCategories[feat] / 32);
      if (f.catOffset[i] < 0 || f.catOffset[i] + words > f.catBits.length) throw bad(`category set of node ${i}`);
    }
  }
  return f;
}
