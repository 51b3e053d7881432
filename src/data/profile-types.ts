/** Semantic column types of the schema file. */
export type ColumnType = 'numeric' | 'integer' | 'boolean' | 'categorical' | 'datetime' | 'text' | 'identifier';

/** One column's statistics, as printed by `capstan data profile --json` (TFDV-style). */
export interface ColumnProfile {
  name: string;
  type: ColumnType;
  /** the storage type DuckDB read it as */
  storage: string;
  count: number;
  missing: number;
  distinct: number;
  mean: number | null;
  /** sample standard deviation (n - 1), as pandas */
  std: number | null;
  min: number | null;
  max: number | null;
  /** linear interpolation, as pandas' quantile; keys "0.01" ... "0.99" */
  quantiles: Record<string, number> | null;
  /** equal-width bins between min and max */
  histogram: { edges: number[]; counts: number[] } | null;
  /** most frequent values (text columns), at most 20 */
  top: { value: string; count: number }[] | null;
}

export interface FileProfile {
  file: string;
  rows: number;
  columns: ColumnProfile[];
}
