import { numericColumn, type CategoricalColumn, type NumericColumn } from '../core/table.ts';

/**
 * A column read as text, as numbers: empty cells are missing; text that is not a finite number is missing too and its rows
 * come back in `bad` (row -> text), so a caller can report them instead of failing the whole file. Each distinct text is
 * parsed once.
 */
export function numbersFromText(col: CategoricalColumn): { column: NumericColumn; bad: Map<number, string> } {
  const parsed = col.categories.map((s) => {
    const t = s.trim();
    if (t === '') return NaN;
    const n = Number(t);
    return Number.isFinite(n) ? n : null;
  });
  const values = new Float64Array(col.codes.length);
  const bad = new Map<number, string>();
  for (let i = 0; i < values.length; i++) {
    const c = col.codes[i];
    const v = c < 0 ? NaN : parsed[c];
    if (v === null) {
      bad.set(i, col.categories[c]);
      values[i] = NaN;
    } else values[i] = v;
  }
  return { column: numericColumn(col.name, values), bad };
}
