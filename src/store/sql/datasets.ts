import { checkDepth } from '../../core/json.ts';
import { notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { checkName, checkLine } from '../../core/names.ts';
import type { DatasetStore } from '../metadata-store.ts';
import type { DatasetVersion } from '../types.ts';
import type { Row, SqlDriver } from './driver.ts';
import { parseJson } from './paging.ts';

export function toDataset(r: Row): DatasetVersion {
  return {
    id: r.id as string,
    name: r.name as string,
    version: r.version as number,
    contentHash: r.content_hash as string,
    source: r.source as string,
    rows: r.rows as number,
    columns: r.columns as number,
    createdAt: r.created_at as number,
    ...(r.schema ? { schema: parseJson<unknown>(r.schema, null) } : {}),
    ...(r.profile ? { profile: parseJson<unknown>(r.profile, null) } : {}),
  };
}

export class SqlDatasetStore implements DatasetStore {
  constructor(private readonly db: SqlDriver) {}

  async register(input: { name: string; contentHash: string; source: string; rows: number; columns: number; schema?: unknown; profile?: unknown }): Promise<DatasetVersion> {
    checkName('dataset name', input.name);
    checkLine('source', input.source, 4096);
    checkDepth('schema', input.schema);
    checkDepth('profile', input.profile);
    const id = newId();
    const found = await this.db.tx(async (q) => {
      const existing = await q.get<Row>('SELECT * FROM datasets WHERE name = ? AND content_hash = ?', [input.name, input.contentHash]);
      if (existing) return existing;
      const next = (((await q.get<Row>('SELECT MAX(version) AS v FROM datasets WHERE name = ?', [input.name]))?.v as number | null) ?? 0) + 1;
      await q.run('INSERT INTO datasets (id, name, version, content_hash, source, rows, columns, created_at, schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        id, input.name, next, input.contentHash, input.source, input.rows, input.columns, Date.now(),
        input.schema === undefined ? null : JSON.stringify(input.schema), input.profile === undefined ? null : JSON.stringify(input.profile),
      ]);
      return null;
    });
    return found ? toDataset(found) : toDataset((await this.db.get<Row>('SELECT * FROM datasets WHERE id = ?', [id])) as Row);
  }

  async list(name?: string): Promise<DatasetVersion[]> {
    const rows = name
      ? await this.db.all<Row>('SELECT * FROM datasets WHERE name = ? ORDER BY version DESC', [name])
      : await this.db.all<Row>('SELECT * FROM datasets d WHERE version = (SELECT MAX(version) FROM datasets WHERE name = d.name) ORDER BY name');
    return rows.map(toDataset);
  }

  async get(name: string, version?: number): Promise<DatasetVersion> {
    const r = version === undefined
      ? await this.db.get<Row>('SELECT * FROM datasets WHERE name = ? ORDER BY version DESC LIMIT 1', [name])
      : await this.db.get<Row>('SELECT * FROM datasets WHERE name = ? AND version = ?', [name, version]);
    if (!r) throw notFound(version === undefined ? `dataset "${name}" not found` : `dataset "${name}" has no version ${version}`);
    return toDataset(r);
  }
}
