/**
 * What learners consume: one Float64Array per feature (column-major), NaN = missing. Categorical features hold category codes
 * (0..nCategories-1) as numbers; a code at or past nCategories is an unknown category and is treated as missing.
 */
export interface FeatureMatrix {
  rows: number;
  columns: Float64Array[];
  kinds: ('numeric' | 'categorical')[];
  /** number of categories per feature (0 for numeric) */
  nCategories: number[];
  names: string[];
}

export function takeMatrixRows(m: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const n = rows.length;
  const columns = m.columns.map((col) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = col[rows[i]];
    return out;
  });
  return { ...m, rows: n, columns };
}

/** y's values at `rows`, in that order, into `out` (a new array unless given: a caller taking many columns reuses one). */
export function takeValues(y: Float64Array, rows: ArrayLike<number>, out = new Float64Array(rows.length)): Float64Array {
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]];
  return out;
}
