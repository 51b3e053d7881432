import type { Column, Table } from '../core/table.ts';

export interface ColumnProfile {
  name: string;
  type: 'numeric' | 'categorical';
  count: number;
  missing: number;
  distinct: number;
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  top?: { value: string; count: number }[];
}

export interface TableProfile {
  rows: number;
  columns: ColumnProfile[];
}

function profileColumn(col: Column): ColumnProfile {
  if (col.kind === 'numeric') {
    // Welford's update keeps the variance exact-ish on large magnitudes where sum-of-squares cancels.
    let n = 0;
    let mean = 0;
    let m2 = 0;
    let min = Infinity;
    let max = -Infinity;
    const distinct = new Set<number>();
    for (const v of col.values) {
      if (Number.isNaN(v)) continue;
      n++;
      const d = v - mean;
      mean += d / n;
      m2 += d * (v - mean);
      if (v < min) min = v;
      if (v > max) max = v;
      if (distinct.size < 100_000) distinct.add(v);
    }
    return {
      name: col.name,
      type: 'numeric',
      count: n,
      missing: col.values.length - n,
      distinct: distinct.size,
      mean: n > 0 ? mean : NaN,
      std: n > 1 ? Math.sqrt(m2 / (n - 1)) : NaN,
      min: n > 0 ? min : NaN,
      max: n > 0 ? max : NaN,
    };
  }
  const counts = new Float64Array(col.categories.length);
  let missing = 0;
  for (const c of col.codes) {
    if (c < 0) missing++;
    else counts[c]++;
  }
  const order = [...counts.keys()].filter((i) => counts[i] > 0).sort((a, b) => counts[b] - counts[a] || (col.categories[a] < col.categories[b] ? -1 : 1));
  return {
    name: col.name,
    type: 'categorical',
    count: col.codes.length - missing,
    missing,
    distinct: order.length,
    top: order.slice(0, 10).map((i) => ({ value: col.categories[i], count: counts[i] })),
  };
}

/** Per-column statistics of a table (count, missing, distinct, moments and range, top categories). */
export function profileTable(table: Table): TableProfile {
  return { rows: table.rows, columns: table.columns.map(profileColumn) };
}
