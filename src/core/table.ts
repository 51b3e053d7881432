/**
 * The in-memory columnar table every layer shares: numbers in Float64Array (NaN = missing), categories dictionary-encoded in
 * Int32Array (-1 = missing). No row objects, so learners and serving work on flat typed arrays.
 */
export interface NumericColumn {
  kind: 'numeric';
  name: string;
  values: Float64Array;
  /** dates and timestamps, as epoch milliseconds (UTC) */
  temporal?: boolean;
}

export interface CategoricalColumn {
  kind: 'categorical';
  name: string;
  codes: Int32Array;
  categories: string[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface Table {
  rows: number;
  columns: Column[];
}

export function numericColumn(name: string, values: Float64Array): NumericColumn {
  return { kind: 'numeric', name, values };
}

export function categoricalColumn(name: string, codes: Int32Array, categories: string[]): CategoricalColumn {
  return { kind: 'categorical', name, codes, categories };
}

/** Dictionary-encode strings (null/undefined/'' = missing). Categories are kept in first-seen order. */
export function encodeStrings(name: string, values: ArrayLike<string | null | undefined>): CategoricalColumn {
  // a few values (a served row) are looked up by scanning the categories so far: building a Map cost more than using it
  const index = values.length <= SMALL ? null : new Map<string, number>();
  const categories: string[] = [];
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || v === '') {
      codes[i] = -1;
      continue;
    }
    let c = index ? (index.get(v) ?? -1) : categories.indexOf(v);
    if (c < 0) {
      c = categories.length;
      index?.set(v, c);
      categories.push(v);
    }
    codes[i] = c;
  }
  return categoricalColumn(name, codes, categories);
}

/** Up to this many values are encoded without a Map. */
const SMALL = 8;

/**
 * A category list's value -> position map, built once per list and kept while the list lives: a model's categories are
 * looked up on every prediction request (encoding, drift bins), and building the map each time cost more than using it.
 */
const categoryIndexes = new WeakMap<readonly string[], Map<string, number>>();

export function categoryIndex(categories: readonly string[]): Map<string, number> {
  let index = categoryIndexes.get(categories);
  if (!index) categoryIndexes.set(categories, (index = new Map(categories.map((c, i) => [c, i]))));
  return index;
}

const remaps = new WeakMap<readonly string[], WeakMap<readonly string[], Int32Array>>();

/** A caller's last pair of lists and their remap (see categoryRemap): one comparison instead of two lookups. */
export interface RemapMemo {
  from: readonly string[] | null;
  to: readonly string[] | null;
  remap: Int32Array;
}

export function remapMemo(): RemapMemo {
  return { from: null, to: null, remap: new Int32Array(0) };
}

/**
 * Where each category of `from` is in `to` (-1 where it is not): one list's codes as another's. Made once per pair of lists
 * and kept while both live: a served request's columns share their model's category lists (see serve/columns.ts), so
 * encoding a request and counting it for drift look codes up, not strings. A caller that remaps the same pair again and
 * again (a model's encoder, a drift monitor) keeps a `memo` per column.
 */
export function categoryRemap(from: readonly string[], to: readonly string[], memo?: RemapMemo): Int32Array {
  // a list that grew since (a dictionary being built) is mapped again
  if (memo !== undefined && memo.from === from && memo.to === to && memo.remap.length === from.length) return memo.remap;
  let byTarget = remaps.get(from);
  if (!byTarget) remaps.set(from, (byTarget = new WeakMap()));
  let remap = byTarget.get(to);
  if (!remap || remap.length !== from.length) {
    const index = categoryIndex(to);
    remap = new Int32Array(from.length);
    for (let i = 0; i < from.length; i++) remap[i] = index.get(from[i]) ?? -1;
    byTarget.set(to, remap);
  }
  if (memo !== undefined) {
    memo.from = from;
    memo.to = to;
    memo.remap = remap;
  }
  return remap;
}

/** The column named `name`; `hint` is where it usually is (a request's columns come in signature order), looked at first. */
export function columnByName(table: Table, name: string, hint = -1): Column | undefined {
  const at = table.columns[hint];
  if (at !== undefined && at.name === name) return at;
  return table.columns.find((c) => c.name === name);
}

export function isMissing(column: Column, row: number): boolean {
  return column.kind === 'numeric' ? Number.isNaN(column.values[row]) : column.codes[row] < 0;
}

/** The cell as a display value: number, string or null. */
export function cellValue(column: Column, row: number): number | string | null {
  if (column.kind === 'numeric') {
    const v = column.values[row];
    return Number.isNaN(v) ? null : v;
  }
  const c = column.codes[row];
  return c < 0 ? null : column.categories[c];
}

/** A new table with the given rows, in the given order; dictionaries are shared, not copied. */
export function takeRows(table: Table, rows: ArrayLike<number>): Table {
  const n = rows.length;
  const columns = table.columns.map((col): Column => {
    if (col.kind === 'numeric') {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = col.values[rows[i]];
      return { ...col, values: out };
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = col.codes[rows[i]];
    return categoricalColumn(col.name, out, col.categories);
  });
  return { rows: n, columns };
}

export function dropColumns(table: Table, names: string[]): Table {
  return { rows: table.rows, columns: table.columns.filter((c) => !names.includes(c.name)) };
}
