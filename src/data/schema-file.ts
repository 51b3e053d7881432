import { invalid } from '../core/errors.ts';
import type { ColumnType, FileProfile } from './profile-types.ts';

/**
 * The schema file (`capstan data schema FILE --out schema.json`): what the data should look like, inferred from a sample and
 * meant to be edited by hand (tighten a range, allow a category, raise a missing limit).
 */
export interface DataSchema {
  format: 'capstan-schema';
  version: 1;
  columns: SchemaColumn[];
}

export interface SchemaColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
  /** error above this share of missing values */
  maxMissingRatio: number;
  /** allowed values (categorical and boolean columns with a known domain) */
  categories?: string[];
  min?: number;
  max?: number;
}

const TYPES: ColumnType[] = ['numeric', 'integer', 'boolean', 'categorical', 'datetime', 'text', 'identifier'];

/** Infer a schema from a profile (and the full category domains where known). */
export function inferSchema(p: FileProfile, domains: Map<string, string[] | null>): DataSchema {
  return {
    format: 'capstan-schema',
    version: 1,
    columns: p.columns.map((c): SchemaColumn => {
      const ratio = p.rows === 0 ? 0 : c.missing / p.rows;
      const col: SchemaColumn = {
        name: c.name,
        type: c.type,
        nullable: c.missing > 0,
        // leave room above what the sample showed: twice its rate, at least 5%
        maxMissingRatio: Math.min(1, Math.max(0.05, Math.round(ratio * 2 * 1e4) / 1e4)),
      };
      const domain = domains.get(c.name);
      if ((c.type === 'categorical' || c.type === 'boolean') && domain) col.categories = domain;
      if ((c.type === 'numeric' || c.type === 'integer' || c.type === 'datetime') && c.min !== null && Number.isFinite(c.min)) {
        col.min = c.min;
        col.max = c.max!;
      }
      return col;
    }),
  };
}

/** Parse and check a schema file's JSON, naming the first wrong field. */
export function parseSchema(text: string, file = 'schema'): DataSchema {
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch {
    throw invalid(`${file} is not valid JSON`);
  }
  const o = s as Partial<DataSchema>;
  if (!o || o.format !== 'capstan-schema' || o.version !== 1 || !Array.isArray(o.columns)) throw invalid(`${file}: expected {"format": "capstan-schema", "version": 1, "columns": [...]}`);
  o.columns.forEach((c, i) => {
    const at = `${file}: columns[${i}]`;
    if (!c || typeof c.name !== 'string') throw invalid(`${at}.name must be a string`);
    if (!TYPES.includes(c.type)) throw invalid(`${at}.type must be one of ${TYPES.join(', ')}`);
    if (typeof c.nullable !== 'boolean') throw invalid(`${at}.nullable must be true or false`);
    if (typeof c.maxMissingRatio !== 'number' || c.maxMissingRatio < 0 || c.maxMissingRatio > 1) throw invalid(`${at}.maxMissingRatio must be a number from 0 to 1`);
    if (c.categories !== undefined && !(Array.isArray(c.categories) && c.categories.every((v) => typeof v === 'string'))) throw invalid(`${at}.categories must be an array of strings`);
    for (const k of ['min', 'max'] as const) if (c[k] !== undefined && typeof c[k] !== 'number') throw invalid(`${at}.${k} must be a number`);
  });
  return o as DataSchema;
}
