import { invalid } from '../core/errors.ts';
import type { FeatureSpec } from '../core/schema.ts';
import type { Column, Table } from '../core/table.ts';

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * A text column whose values are almost all numbers is a numeric column with typos, not a category set: training on it as
 * categories would silently hide the bad cells, so say which row is wrong instead.
 */
function rejectMostlyNumeric(col: Column & { kind: 'categorical' }, file: string): void {
  if (col.categories.length < 10) return;
  let numeric = 0;
  let firstBad = -1;
  for (let c = 0; c < col.categories.length; c++) {
    if (NUMBER.test(col.categories[c])) numeric++;
    else if (firstBad < 0) firstBad = c;
  }
  if (firstBad < 0 || numeric / col.categories.length < 0.9) return;
  const row = col.codes.indexOf(firstBad);
  throw invalid(`${file} data row ${row + 1}: column "${col.name}" holds numbers but has "${col.categories[firstBad].slice(0, 40)}"`);
}

/** The feature signature of a table: types, ranges, category sets (sorted, so codes do not depend on row order) and missing counts. */
export function inferFeatures(table: Table, file = 'input'): FeatureSpec[] {
  return table.columns.map((col): FeatureSpec => {
    if (col.kind === 'numeric') {
      let min = Infinity;
      let max = -Infinity;
      let missing = 0;
      let integer = true;
      for (const v of col.values) {
        if (Number.isNaN(v)) {
          missing++;
          continue;
        }
        if (v < min) min = v;
        if (v > max) max = v;
        if (integer && !Number.isInteger(v)) integer = false;
      }
      return { name: col.name, kind: 'numeric', integer, min: min === Infinity ? NaN : min, max: max === -Infinity ? NaN : max, missing, ...(col.temporal ? { datetime: true } : {}) };
    }
    rejectMostlyNumeric(col, file);
    let missing = 0;
    const seen = new Uint8Array(col.categories.length);
    for (const c of col.codes) {
      if (c < 0) missing++;
      else seen[c] = 1;
    }
    const categories = col.categories.filter((_, i) => seen[i] === 1).sort();
    return { name: col.name, kind: 'categorical', categories, missing };
  });
}
