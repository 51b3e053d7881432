import { invalid } from '../core/errors.ts';
import type { FeatureSpec } from '../core/schema.ts';
import { encodeStrings, numericColumn, type Column } from '../core/table.ts';

/**
 * One input's values as the model's column, by its signature: numbers (booleans as 0/1) for numeric features, ISO 8601 text
 * for dates, text (or a number, as its text) for categories; a category unseen in training is scored as at training. A
 * missing value (null) is allowed only where the training data had missing values in that column. Errors name the input
 * and the row, never the value.
 */
export function columnOf(f: FeatureSpec, data: ArrayLike<unknown>, label = `input "${f.name}"`): Column {
  const n = data.length;
  // dates come as ISO 8601 text (or as epoch milliseconds, then as numbers below)
  if (f.kind === 'numeric' && f.datetime && Array.prototype.some.call(data, (v: unknown) => typeof v === 'string')) {
    const values = new Array<string | null>(n);
    for (let r = 0; r < n; r++) {
      const v = data[r];
      if (v === null || v === undefined) {
        if (f.missing === 0) throw missingValue(f, r, label);
        values[r] = null;
      } else if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) values[r] = v;
      else throw invalid(`${label}: value ${r} is not an ISO 8601 date`);
    }
    return encodeStrings(f.name, values);
  }
  if (f.kind === 'numeric') {
    const values = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const v = data[r];
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw invalid(`${label}: value ${r} is not a finite number`);
        values[r] = v;
      } else if (typeof v === 'boolean') values[r] = v ? 1 : 0;
      else if (v === null || v === undefined) {
        if (f.missing === 0) throw missingValue(f, r, label);
        values[r] = NaN;
      } else throw invalid(`${label}: value ${r} is not a number`);
    }
    return numericColumn(f.name, values);
  }
  const values = new Array<string | null>(n);
  for (let r = 0; r < n; r++) {
    const v = data[r];
    if (typeof v === 'string') values[r] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) values[r] = String(v);
    else if (v === null || v === undefined) {
      if (f.missing === 0) throw missingValue(f, r, label);
      values[r] = null;
    } else throw invalid(`${label}: value ${r} is not a string`);
  }
  return encodeStrings(f.name, values);
}

// a plain function, not a closure per call: this runs on every prediction request
function missingValue(f: FeatureSpec, r: number, label: string): Error {
  return invalid(`${label}: value ${r} is missing, but the model was trained without missing values in "${f.name}"`);
}
