import { invalid } from '../core/errors.ts';
import { Rng } from '../core/random.ts';

export interface Split {
  kind: 'stratified' | 'random';
  seed: number;
  testFraction: number;
  train: Uint32Array;
  test: Uint32Array;
}

/** Row indexes per stratum (one group of all rows without strata), in row order. */
function byStratum(rows: number, strata?: ArrayLike<number>): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < rows; i++) {
    const key = strata ? strata[i] : 0;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  return groups;
}

function sorted(a: number[]): Uint32Array {
  return Uint32Array.from(a).sort();
}

/**
 * Seeded train/test split. With `strata` (class index per row) each class keeps its share in both parts.
 *
 * @example
 * const { train, test } = trainTestSplit(rows, { testFraction: 0.2, seed: 0, strata: classIndex });
 */
export function trainTestSplit(rows: number, opts: { testFraction: number; seed: number; strata?: ArrayLike<number> }): Split {
  const { testFraction, seed, strata } = opts;
  if (!(testFraction > 0 && testFraction < 1)) throw invalid(`testFraction must be in (0, 1), got ${testFraction}`);
  if (rows < 2) throw invalid(`need at least 2 rows to split, got ${rows}`);
  const rng = new Rng(seed);
  const train: number[] = [];
  const test: number[] = [];
  const groups = byStratum(rows, strata);
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const members = rng.shuffle(groups.get(key)!);
    const nTest = Math.round(members.length * testFraction);
    for (let i = 0; i < members.length; i++) (i < nTest ? test : train).push(members[i]);
  }
  if (train.length === 0 || test.length === 0) throw invalid(`split of ${rows} rows left an empty part`);
  return { kind: strata ? 'stratified' : 'random', seed, testFraction, train: sorted(train), test: sorted(test) };
}

/** Seeded K-fold assignment (stratified when strata are given): returns the fold index of every row. */
export function kFold(rows: number, k: number, seed: number, strata?: ArrayLike<number>): Int32Array {
  if (!Number.isInteger(k) || k < 2) throw invalid(`cv must be an integer >= 2, got ${k}`);
  if (rows < k) throw invalid(`cv=${k} needs at least ${k} rows, got ${rows}`);
  const rng = new Rng(seed);
  const fold = new Int32Array(rows);
  const groups = byStratum(rows, strata);
  let offset = 0;
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const members = rng.shuffle(groups.get(key)!);
    // continue the round-robin across classes so small classes do not all land in fold 0
    for (let i = 0; i < members.length; i++) fold[members[i]] = (offset + i) % k;
    offset = (offset + members.length) % k;
  }
  return fold;
}

/**
 * Group K-fold: every row of a group lands in the same fold (no group straddles train and test); groups are dealt to the
 * currently smallest fold, largest groups first, as scikit-learn's GroupKFold does.
 */
export function groupKFold(groups: ArrayLike<number | string>, k: number): Int32Array {
  const byGroup = new Map<number | string, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g)!.push(i);
  }
  if (byGroup.size < k) throw invalid(`group k-fold with k=${k} needs at least ${k} groups, got ${byGroup.size}`);
  const sizes = new Float64Array(k);
  const fold = new Int32Array(groups.length);
  const ordered = [...byGroup.values()].sort((a, b) => b.length - a.length || a[0] - b[0]);
  for (const rows of ordered) {
    let f = 0;
    for (let j = 1; j < k; j++) if (sizes[j] < sizes[f]) f = j;
    sizes[f] += rows.length;
    for (const r of rows) fold[r] = f;
  }
  return fold;
}

/**
 * Time-series splits over rows already in time order: split i trains on everything before its test block (expanding window),
 * like scikit-learn's TimeSeriesSplit.
 */
export function timeSeriesSplits(rows: number, k: number): { train: Uint32Array; test: Uint32Array }[] {
  if (!Number.isInteger(k) || k < 2) throw invalid(`time-series splits need an integer k >= 2, got ${k}`);
  const testSize = Math.floor(rows / (k + 1));
  if (testSize < 1) throw invalid(`${rows} rows are too few for ${k} time-series splits`);
  const out: { train: Uint32Array; test: Uint32Array }[] = [];
  for (let i = 0; i < k; i++) {
    const testStart = rows - (k - i) * testSize;
    out.push({ train: Uint32Array.from({ length: testStart }, (_, r) => r), test: Uint32Array.from({ length: testSize }, (_, r) => testStart + r) });
  }
  return out;
}
