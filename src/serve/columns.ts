import { invalid } from '../core/errors.ts';
import type { FeatureSpec } from '../core/schema.ts';
import { categoricalColumn, categoryIndex, encodeStrings, numericColumn, type Column } from '../core/table.ts';

/**
 * One input's values as the model's column, by its signature: numbers (booleans as 0/1) for numeric features, ISO 8601 text
 * for dates, text (or a number, as its text) for categories, coded against the model's categories where it knows them (a
 * category unseen in training is scored as at training). A missing value (null) is allowed only where the training data
 * had missing values in that column. Errors name the input (`what` and its name) and the row, never the value; their
 * text is made only when one is thrown. `known`: the feature's categoryIndex, when the caller has it at hand
 * (signatureIndexes).
 */
export function columnOf(f: FeatureSpec, data: ArrayLike<unknown>, what: 'input' | 'column' = 'input', known?: Map<string, number>): Column {
  const n = data.length;
  // dates come as ISO 8601 text (or as epoch milliseconds, then as numbers below)
  if (f.kind === 'numeric' && f.datetime && Array.prototype.some.call(data, (v: unknown) => typeof v === 'string')) {
    const values = new Array<string | null>(n);
    for (let r = 0; r < n; r++) {
      const v = data[r];
      if (v === null || v === undefined) {
        if (f.missing === 0) throw missingValue(f, r, what);
        values[r] = null;
      } else if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) values[r] = v;
      else throw invalid(`${what} "${f.name}": value ${r} is not an ISO 8601 date`);
    }
    return encodeStrings(f.name, values);
  }
  if (f.kind === 'numeric') {
    const values = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const v = data[r];
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw invalid(`${what} "${f.name}": value ${r} is not a finite number`);
        values[r] = v;
      } else if (typeof v === 'boolean') values[r] = v ? 1 : 0;
      else if (v === null || v === undefined) {
        if (f.missing === 0) throw missingValue(f, r, what);
        values[r] = NaN;
      } else throw invalid(`${what} "${f.name}": value ${r} is not a number`);
    }
    return numericColumn(f.name, values);
  }
  // values the model knows are coded against its own category list, which every request shares (nothing to build per
  // request); from the first value it has not seen, the request's values get a list of their own
  known ??= categoryIndex(f.categories);
  const codes = new Int32Array(n);
  let values: (string | null)[] | null = null;
  for (let r = 0; r < n; r++) {
    const v = data[r];
    let s: string | null;
    if (typeof v === 'string') s = v;
    else if (typeof v === 'number' && Number.isFinite(v)) s = String(v);
    else if (v === null || v === undefined) {
      if (f.missing === 0) throw missingValue(f, r, what);
      s = null;
    } else throw invalid(`${what} "${f.name}": value ${r} is not a string`);
    if (values !== null) {
      values[r] = s;
      continue;
    }
    // an empty string is missing, as in every table
    const c = s === null || s === '' ? -1 : known.get(s);
    if (c !== undefined) {
      codes[r] = c;
      continue;
    }
    values = new Array<string | null>(n);
    for (let i = 0; i < r; i++) values[i] = codes[i] < 0 ? null : f.categories[codes[i]];
    values[r] = s;
  }
  return values === null ? categoricalColumn(f.name, codes, f.categories) : encodeStrings(f.name, values);
}

// a plain function, not a closure per call: this runs on every prediction request
function missingValue(f: FeatureSpec, r: number, what: string): Error {
  return invalid(`${what} "${f.name}": value ${r} is missing, but the model was trained without missing values in "${f.name}"`);
}

const indexes = new WeakMap<readonly FeatureSpec[], (Map<string, number> | undefined)[]>();

/** Each categorical input's categoryIndex (undefined for the others), found with one lookup per request, not one per column. */
export function signatureIndexes(signature: readonly FeatureSpec[]): (Map<string, number> | undefined)[] {
  let found = indexes.get(signature);
  if (!found) indexes.set(signature, (found = signature.map((f) => (f.kind === 'categorical' ? categoryIndex(f.categories) : undefined))));
  return found;
}
