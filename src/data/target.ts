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
  const present = (i: number) => (col.kind === 'numeric' ? !Number.isNaN(col.values[i]) : col.codes[i] >= 0);
  let n = 0;
  for (let i = 0; i < table.rows; i++) if (present(i)) n++;
  if (n === 0) throw invalid(`${file}: target column "${target}" has no values`);
  // the kept rows; none listed when every row has a target, whose features are then the table's columns themselves (no copy)
  let keep: Int32Array | null = null;
  if (n < table.rows) {
    keep = new Int32Array(n);
    for (let i = 0, k = 0; i < table.rows; i++) if (present(i)) keep[k++] = i;
  }
  const row = (i: number) => (keep ? keep[i] : i);
  const others = { rows: table.rows, columns: table.columns.filter((c) => c !== col) };
  const features = keep ? takeRows(others, keep) : others;
  if (features.columns.length === 0) throw invalid(`${file}: no feature columns besides the target "${target}"`);
  const dropped = table.rows - n;

  let raw: Float64Array | undefined;
  if (col.kind === 'numeric') {
    raw = new Float64Array(n);
    for (let i = 0; i < n; i++) raw[i] = col.values[row(i)];
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
  // each row's class as an index into `labels` (the distinct numbers, or the categories), then the labels in class order
  const labelOf = new Int32Array(n);
  let labels: string[];
  if (col.kind === 'categorical') {
    for (let i = 0; i < n; i++) labelOf[i] = col.codes[row(i)];
    labels = col.categories;
  } else {
    const distinct = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      let k = distinct.get(raw![i]);
      if (k === undefined) distinct.set(raw![i], (k = distinct.size));
      labelOf[i] = k;
    }
    labels = [...distinct.keys()].map(formatNumber);
  }
  const seen = new Uint8Array(labels.length);
  for (let i = 0; i < n; i++) seen[labelOf[i]] = 1;
  const classes = labels.filter((_, k) => seen[k] === 1).sort((a, b) => (raw ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
  if (classes.length < 2) throw invalid(`target "${target}" has only one class ("${classes[0]}"): a classifier needs at least two`);
  const resolved: Task = task === 'auto' ? (classes.length === 2 ? 'binary' : 'multiclass') : task;
  if (resolved === 'binary' && classes.length !== 2) throw invalid(`--task binary needs exactly 2 classes in "${target}", found ${classes.length}`);
  const index = new Map(classes.map((c, i) => [c, i]));
  const classOf = labels.map((l) => index.get(l) ?? -1);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = classOf[labelOf[i]];
  return { spec: { name: target, task: resolved, classes }, y, features, droppedMissingTarget: dropped };
}
