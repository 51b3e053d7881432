import { invalid } from '../core/errors.ts';
import type { Task, TargetSpec } from '../core/schema.ts';
import { columnByName, takeRows, type Table } from '../core/table.ts';

export interface PreparedTarget {
  spec: TargetSpec;
  /** class index (classification) or value (regression), one per kept row */
  y: Float64Array;
  /** the feature table: target column removed, rows with a missing target removed */
  features: Table;
  droppedMissingTarget: number;
}

function formatNumber(v: number): string {
  return String(v);
}

/**
 * Separate the target from the features and settle the task: text targets are classes; numbers are classes when they are two
 * integers (0/1 flags), otherwise a regression target.
 */
export function prepareTarget(table: Table, target: string, task: Task | 'auto', file = 'input'): PreparedTarget {
  const col = columnByName(table, target);
  if (!col) {
    const names = table.columns.map((c) => c.name);
    throw invalid(`target column "${target}" not found in ${file} (columns: ${names.slice(0, 30).join(', ')}${names.length > 30 ? ', ...' : ''})`);
  }
  const keep: number[] = [];
  for (let i = 0; i < table.rows; i++) {
    if (col.kind === 'numeric' ? !Number.isNaN(col.values[i]) : col.codes[i] >= 0) keep.push(i);
  }
  if (keep.length === 0) throw invalid(`${file}: target column "${target}" has no values`);
  const features = takeRows({ rows: table.rows, columns: table.columns.filter((c) => c !== col) }, keep);
  if (features.columns.length === 0) throw invalid(`${file}: no feature columns besides the target "${target}"`);
  const dropped = table.rows - keep.length;
  const n = keep.length;

  let raw: Float64Array | undefined;
  if (col.kind === 'numeric') {
    raw = new Float64Array(n);
    for (let i = 0; i < n; i++) raw[i] = col.values[keep[i]];
    const distinct = new Set(raw);
    const integers = [...distinct].every(Number.isInteger);
    const resolved = task === 'auto' ? (integers && distinct.size <= 2 ? 'binary' : 'regression') : task;
    if (resolved === 'regression') {
      return { spec: { name: target, task: 'regression' }, y: raw, features, droppedMissingTarget: dropped };
    }
    if (distinct.size > 1000) throw invalid(`target "${target}" has ${distinct.size} distinct numbers: use --task regression`);
  } else if (task === 'regression') {
    throw invalid(`target "${target}" holds text, which cannot be a regression target`);
  }
  const strings = new Array<string>(n);
  for (let i = 0; i < n; i++) strings[i] = raw ? formatNumber(raw[i]) : col.kind === 'categorical' ? col.categories[col.codes[keep[i]]] : '';
  const classes = [...new Set(strings)].sort((a, b) => (raw ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
  if (classes.length < 2) throw invalid(`target "${target}" has only one class ("${classes[0]}"): a classifier needs at least two`);
  const resolved: Task = task === 'auto' ? (classes.length === 2 ? 'binary' : 'multiclass') : task;
  if (resolved === 'binary' && classes.length !== 2) throw invalid(`--task binary needs exactly 2 classes in "${target}", found ${classes.length}`);
  const index = new Map(classes.map((c, i) => [c, i]));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = index.get(strings[i])!;
  return { spec: { name: target, task: resolved, classes }, y, features, droppedMissingTarget: dropped };
}
