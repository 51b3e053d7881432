import { checkDepth } from '../../core/json.ts';
import { invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { checkName, checkLine, checkInteger, checkText } from '../../core/names.ts';
import type { DatasetStore } from '../metadata-store.ts';
import type { DatasetValidation, DatasetVersion } from '../types.ts';
import { appendAudit } from './audit.ts';
import type { Row, SqlDriver, SqlExecutor } from './driver.ts';
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

  async addValidation(input: Omit<DatasetValidation, 'id' | 'createdAt'>): Promise<DatasetValidation> {
    checkLine('actor', input.actor, 200);
    checkInteger('errors', input.errors, 0, 2 ** 31);
    checkInteger('warnings', input.warnings, 0, 2 ** 31);
    if (!Array.isArray(input.anomalies)) throw invalid('anomalies must be a list');
    for (const [i, a] of input.anomalies.entries()) {
      if (a.severity !== 'error' && a.severity !== 'warning') throw invalid(`anomalies[${i}].severity must be "error" or "warning"`);
      checkLine(`anomalies[${i}].kind`, a.kind, 100);
      if (a.column !== null) checkLine(`anomalies[${i}].column`, a.column, 1000);
      checkText(`anomalies[${i}].message`, a.message, 4000);
    }
    checkDepth('drift', input.drift);
    const id = newId();
    await this.db.tx(async (q) => {
      const subject = await versionRow(q, input.name, input.version);
      const reference = input.reference ? await versionRow(q, input.reference.name, input.reference.version) : null;
      await q.run('INSERT INTO dataset_validations (id, dataset_id, reference_id, errors, warnings, anomalies, drift, run_id, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        id, subject.id as string, (reference?.id as string | undefined) ?? null, input.errors, input.warnings, JSON.stringify(input.anomalies), input.drift === null ? null : JSON.stringify(input.drift), input.runId, input.actor, Date.now(),
      ]);
      await appendAudit(q, input.actor, 'dataset.validate', `${input.name}:${input.version}`, { reference: input.reference, errors: input.errors, warnings: input.warnings, runId: input.runId });
    });
    return (await this.validationsWhere('v.id = ?', [id], 1))[0];
  }

  async listValidations(name: string, version: number, opts: { limit?: number } = {}): Promise<DatasetValidation[]> {
    const limit = checkInteger('limit', opts.limit ?? 20, 1, 1000);
    const d = await versionRow(this.db, name, version);
    return this.validationsWhere('v.dataset_id = ?', [d.id as string], limit);
  }

  private async validationsWhere(where: string, params: string[], limit: number): Promise<DatasetValidation[]> {
    const rows = await this.db.all<Row>(
      `SELECT v.*, d.name AS d_name, d.version AS d_version, r.name AS r_name, r.version AS r_version FROM dataset_validations v
       JOIN datasets d ON d.id = v.dataset_id LEFT JOIN datasets r ON r.id = v.reference_id WHERE ${where} ORDER BY v.created_at DESC, v.id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id as string,
      name: r.d_name as string,
      version: r.d_version as number,
      reference: r.r_name ? { name: r.r_name as string, version: r.r_version as number } : null,
      errors: r.errors as number,
      warnings: r.warnings as number,
      anomalies: parseJson<DatasetValidation['anomalies']>(r.anomalies, []),
      drift: r.drift ? parseJson<DatasetValidation['drift']>(r.drift, null) : null,
      runId: (r.run_id as string | null) ?? null,
      actor: r.actor as string,
      createdAt: r.created_at as number,
    }));
  }
}

async function versionRow(q: SqlExecutor, name: string, version: number): Promise<Row> {
  const r = await q.get<Row>('SELECT id, name, version FROM datasets WHERE name = ? AND version = ?', [name, version]);
  if (!r) throw notFound(`dataset "${name}" has no version ${version}`);
  return r;
}
