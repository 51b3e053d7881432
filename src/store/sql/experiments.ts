import { CapstanError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { checkKey, checkName, checkLine, checkText } from '../../core/names.ts';
import type { ExperimentStore } from '../metadata-store.ts';
import type { Experiment, Lifecycle, Page, PageRequest } from '../types.ts';
import type { Row, SqlDriver, SqlExecutor } from './driver.ts';
import { groupKv, pageOf, placeholders } from './paging.ts';

/** Find or create an experiment by name inside a transaction (safe when two writers race: the unique name decides). */
export async function ensureExperiment(q: SqlExecutor, name: string): Promise<string> {
  checkName('experiment', name);
  const now = Date.now();
  await q.run('INSERT INTO experiments (id, name, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING', [newId(), name, now, now]);
  return ((await q.get<Row>('SELECT id FROM experiments WHERE name = ?', [name])) as Row).id as string;
}

export class SqlExperimentStore implements ExperimentStore {
  constructor(private readonly db: SqlDriver) {}

  private async hydrate(rows: Row[]): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id as string);
    const tags = groupKv(await this.db.all(`SELECT experiment_id AS owner, key, value FROM experiment_tags WHERE experiment_id IN (${placeholders(ids.length)})`, ids));
    return rows.map((r) => ({
      id: r.id as string,
      name: r.name as string,
      lifecycle: r.lifecycle as Lifecycle,
      artifactLocation: r.artifact_location as string,
      createdAt: r.created_at as number,
      updatedAt: (r.updated_at as number) || (r.created_at as number),
      tags: (tags.get(r.id as string) ?? {}) as Record<string, string>,
    }));
  }

  async create(input: { name: string; artifactLocation?: string; tags?: Record<string, string> }): Promise<Experiment> {
    checkName('experiment name', input.name);
    const location = checkLine('artifact_location', input.artifactLocation ?? '', 1024);
    for (const [k, v] of Object.entries(input.tags ?? {})) {
      checkKey('tag key', k);
      checkText(`tag ${k}`, v, 8000);
    }
    const id = newId();
    const now = Date.now();
    await this.db.tx(async (q) => {
      const inserted = await q.run('INSERT INTO experiments (id, name, created_at, updated_at, artifact_location) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING', [id, input.name, now, now, location]);
      if (inserted === 0) throw new CapstanError('ALREADY_EXISTS', `experiment "${input.name}" already exists`);
      for (const [k, v] of Object.entries(input.tags ?? {})) await q.run('INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)', [id, k, v]);
    });
    return this.get(id);
  }

  async ensure(name: string): Promise<Experiment> {
    const id = await this.db.tx((q) => ensureExperiment(q, name));
    return this.get(id);
  }

  async get(id: string): Promise<Experiment> {
    const r = await this.db.get<Row>('SELECT * FROM experiments WHERE id = ?', [id]);
    if (!r) throw notFound(`experiment ${id} not found`);
    return (await this.hydrate([r]))[0];
  }

  async getByName(name: string): Promise<Experiment> {
    const r = await this.db.get<Row>('SELECT * FROM experiments WHERE name = ?', [name]);
    if (!r) throw notFound(`experiment "${name}" not found`);
    return (await this.hydrate([r]))[0];
  }

  async list(opts: PageRequest & { includeDeleted?: boolean } = {}): Promise<Page<Experiment>> {
    const where = opts.includeDeleted ? '' : "WHERE lifecycle = 'active'";
    return pageOf<Row, Experiment>(this.db, `SELECT * FROM experiments ${where} ORDER BY created_at, id`, [], opts, (rows) => this.hydrate(rows));
  }

  async setTag(id: string, key: string, value: string): Promise<void> {
    checkKey('tag key', key);
    checkText(`tag ${key}`, value, 8000);
    await this.db.tx(async (q) => {
      if (!(await q.get('SELECT 1 FROM experiments WHERE id = ?', [id]))) throw notFound(`experiment ${id} not found`);
      await q.run('INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value', [id, key, value]);
      await q.run('UPDATE experiments SET updated_at = ? WHERE id = ?', [Date.now(), id]);
    });
  }
}
