import { invalid } from '../core/errors.ts';
import { cellValue, columnByName } from '../core/table.ts';
import { groupKFold, kFold, timeSeriesSplits } from './split.ts';
import type { PreparedTarget } from './target.ts';

/**
 * How rows are dealt into folds: stratified K-fold (random for regression), whole groups, or expanding windows in time.
 * K-fold may be repeated with fresh shuffles (repeat r shuffles with seed + r), so that every row is tested `repeats` times.
 */
export type CvScheme = { kind: 'kfold'; repeats?: number } | { kind: 'group'; column: string } | { kind: 'time'; column: string };

function columnValues(t: PreparedTarget, name: string): (number | string)[] {
  const col = columnByName(t.features, name);
  if (!col) throw invalid(`cross-validation column "${name}" is not among the features`);
  return Array.from({ length: t.features.rows }, (_, r) => cellValue(col, r) ?? '');
}

/** Train/test row lists of every fold (of every repeat, repeat by repeat). */
export function cvFolds(t: PreparedTarget, folds: number, seed: number, scheme: CvScheme): { train: number[]; test: number[] }[] {
  const n = t.features.rows;
  if (scheme.kind === 'kfold' && (scheme.repeats ?? 1) !== 1) {
    const repeats = scheme.repeats!;
    if (!Number.isInteger(repeats) || repeats < 1) throw invalid(`cross-validation repeats must be an integer >= 1, got ${repeats}`);
    return Array.from({ length: repeats }, (_, r) => cvFolds(t, folds, seed + r, { kind: 'kfold' })).flat();
  }
  if (scheme.kind === 'time') {
    const v = columnValues(t, scheme.column).map((x) => (typeof x === 'number' ? x : Date.parse(x)));
    if (v.some((x) => Number.isNaN(x))) throw invalid(`time column "${scheme.column}" must hold numbers or dates in every row`);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b] || a - b);
    return timeSeriesSplits(n, folds).map((s) => ({ train: Array.from(s.train, (i) => order[i]), test: Array.from(s.test, (i) => order[i]) }));
  }
  const fold = scheme.kind === 'group' ? groupKFold(columnValues(t, scheme.column), folds) : kFold(n, folds, seed, t.spec.task === 'regression' ? undefined : t.y);
  return Array.from({ length: folds }, (_, k) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let r = 0; r < n; r++) (fold[r] === k ? test : train).push(r);
    return { train, test };
  });
}
