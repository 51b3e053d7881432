import { invalid } from '../../core/errors.ts';
import type { FeatureSpec } from '../../core/schema.ts';
import { categoryIndex, categoryRemap, columnByName, remapMemo, type Column, type RemapMemo, type Table } from '../../core/table.ts';
import type { FeatureMatrix } from '../matrix.ts';
import { DATE_PARTS, dateParts, type DatePart } from '../../core/datetime.ts';

/** Trees split on at most 254 categories per feature; rarer ones are treated as missing, at training and at serving alike. */
export const MAX_TREE_CATEGORIES = 254;

/** The preprocessing shipped inside a tree model: numeric columns pass through, categories map to fixed codes. */
export interface TreeEncoder {
  kind: 'tree-encoder';
  features: { name: string; kind: 'numeric' | 'categorical'; categories?: string[]; source?: string; part?: DatePart; datetime?: boolean }[];
}

/** Fit on training rows only: keeps each categorical feature's most frequent categories (ties by name) in a fixed order. */
export function fitTreeEncoder(table: Table, specs: FeatureSpec[]): TreeEncoder {
  return {
    kind: 'tree-encoder',
    features: specs.flatMap((s): TreeEncoder['features'] => {
      if (s.kind === 'numeric' && s.datetime) return [{ name: s.name, kind: 'numeric', datetime: true }, ...DATE_PARTS.map((part) => ({ name: `${s.name}.${part}`, kind: 'numeric' as const, source: s.name, part }))];
      if (s.kind === 'numeric') return [{ name: s.name, kind: 'numeric' }];
      const col = columnByName(table, s.name);
      if (!col || col.kind !== 'categorical') throw invalid(`column "${s.name}" is not categorical in the training table`);
      const counts = new Float64Array(col.categories.length);
      for (const c of col.codes) if (c >= 0) counts[c]++;
      const kept = [...counts.keys()]
        .filter((i) => counts[i] > 0)
        .sort((a, b) => counts[b] - counts[a] || (col.categories[a] < col.categories[b] ? -1 : 1))
        .slice(0, MAX_TREE_CATEGORIES)
        .map((i) => col.categories[i])
        .sort();
      return [{ name: s.name, kind: 'categorical', categories: kept }];
    }),
  };
}

function toNumbers(col: Column): Float64Array {
  if (col.kind === 'numeric') {
    // infinities are treated as missing: a split threshold between finite values and Infinity means nothing
    if (col.values.every((v) => Number.isFinite(v) || Number.isNaN(v))) return col.values;
    return col.values.map((v) => (Number.isFinite(v) ? v : NaN));
  }
  const parsed = col.categories.map((c) => (c.trim() === '' ? NaN : Number(c)));
  const bad = parsed.findIndex((v, i) => Number.isNaN(v) && col.categories[i].trim() !== '');
  if (bad >= 0) throw invalid(`column "${col.name}" expects numbers but has "${col.categories[bad].slice(0, 40)}"`);
  const out = new Float64Array(col.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = col.codes[i] < 0 ? NaN : parsed[col.codes[i]];
  return out;
}

/** Epoch milliseconds from a numeric column, or from text dates (ISO 8601) sent by a client. */
export function toTimestamps(col: Column): Float64Array {
  if (col.kind === 'numeric') return col.values;
  const parsed = col.categories.map((c) => Date.parse(c));
  const bad = parsed.findIndex((v) => Number.isNaN(v));
  if (bad >= 0) throw invalid(`column "${col.name}" expects dates but has "${col.categories[bad].slice(0, 40)}"`);
  return Float64Array.from(col.codes, (c) => (c < 0 ? NaN : parsed[c]));
}

function toCodes(col: Column, categories: string[], memo: RemapMemo): Float64Array {
  const out = new Float64Array(col.kind === 'numeric' ? col.values.length : col.codes.length);
  if (col.kind === 'numeric') {
    // a column of numbers for a categorical feature (e.g. codes typed as numbers by a client): match on their text
    const index = categoryIndex(categories);
    for (let i = 0; i < out.length; i++) {
      const v = col.values[i];
      out[i] = Number.isNaN(v) ? NaN : (index.get(String(v)) ?? NaN);
    }
    return out;
  }
  const remap = categoryRemap(col.categories, categories, memo);
  for (let i = 0; i < out.length; i++) {
    const c = col.codes[i] < 0 ? -1 : remap[col.codes[i]];
    out[i] = c < 0 ? NaN : c;
  }
  return out;
}

/**
 * What a matrix from an encoder always holds (its names, kinds, category counts), made once per encoder, and a remap memo
 * per feature (the codes of the tables it is applied to as its own).
 */
interface Shape {
  matrix: Pick<FeatureMatrix, 'names' | 'kinds' | 'nCategories'>;
  remaps: RemapMemo[];
}
const shapes = new WeakMap<TreeEncoder, Shape>();

function shapeOf(encoder: TreeEncoder): Shape {
  let shape = shapes.get(encoder);
  if (!shape) {
    const matrix = { names: encoder.features.map((f) => f.name), kinds: encoder.features.map((f) => f.kind), nCategories: encoder.features.map((f) => f.categories?.length ?? 0) };
    shape = { matrix, remaps: encoder.features.map(() => remapMemo()) };
    shapes.set(encoder, shape);
  }
  return shape;
}

/** Apply the encoder to any table holding the model's feature columns (extra columns are ignored; unknown categories = missing). */
export function encodeTable(encoder: TreeEncoder, table: Table): FeatureMatrix {
  // a request's columns come in signature order, which is the encoder's (date parts aside): looked for there first
  const cols = encoder.features.map((f, j) => columnByName(table, f.source ?? f.name, j));
  if (cols.includes(undefined)) {
    const missing = encoder.features.filter((_, j) => !cols[j]).map((g) => g.source ?? g.name);
    throw invalid(`input is missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
  }
  const { matrix, remaps } = shapeOf(encoder);
  return {
    rows: table.rows,
    ...matrix,
    columns: encoder.features.map((f, j) => {
      const col = cols[j]!;
      if (f.part) return dateParts(toTimestamps(col), f.part);
      if (f.datetime) return toTimestamps(col);
      return f.kind === 'numeric' ? toNumbers(col) : toCodes(col, f.categories!, remaps[j]);
    }),
  };
}
