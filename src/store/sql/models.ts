import { CapstanError, invalid, notFound } from '../../core/errors.ts';
import { checkDepth } from '../../core/json.ts';
import { checkAlias, checkKey, checkName, checkLine, checkText } from '../../core/names.ts';
import type { ModelStore } from '../metadata-store.ts';
import { checkAliasDelete, checkAliasMove, checkApprover, checkPolicyChange, checkTraffic, DEFAULT_POLICY, SERVED_ALIAS } from '../policy.ts';
import { parseTraffic, type TrafficSpec } from '../traffic.ts';
import type { Approval, ModelCard, ModelPolicy, ModelVersion, Page, PageRequest, Principal, RegisteredModel } from '../types.ts';
import { appendAudit } from './audit.ts';
import type { Row, SqlDriver, SqlExecutor } from './driver.ts';
import { groupKv, pageOf, parseJson, placeholders } from './paging.ts';

function toApproval(r: Row): Approval {
  return { id: r.id as number, name: r.name as string, version: r.version as number, alias: r.alias as string, approver: r.approver as string, comment: r.comment as string, at: r.at as number, self: Number(r.self) === 1 };
}

function checkTags(tags: Record<string, string> | undefined): [string, string][] {
  const entries = Object.entries(tags ?? {});
  if (entries.length > 100) throw invalid('tags holds at most 100 entries');
  for (const [k, v] of entries) {
    checkKey('tag key', k);
    if (k.startsWith('capstan.')) throw invalid(`tag key "${k.slice(0, 64)}": keys starting with "capstan." are reserved (traffic splits: capstan models traffic, or PUT /api/v1/models/NAME/traffic)`);
    checkText(`tag ${k}`, v, 8000);
  }
  return entries;
}

function policyOf(r: Row): ModelPolicy {
  return { protectedAliases: parseJson<string[]>(r.protected_aliases, []), selfApproval: Number(r.self_approval) === 1 };
}

/** A stored split; one written before splits were validated (a free-form tag) reads as none. */
function trafficOf(r: Row): TrafficSpec | null {
  if (r.traffic === null || r.traffic === undefined || r.traffic === '') return null;
  try {
    return parseTraffic(r.traffic);
  } catch {
    return null;
  }
}

const NEW_MODEL_COLUMNS = 'name, created_at, updated_at, protected_aliases';
const defaultProtected = JSON.stringify(DEFAULT_POLICY.protectedAliases);

export class SqlModelStore implements ModelStore {
  constructor(private readonly db: SqlDriver) {}

  private async modelsOf(rows: Row[], q: SqlExecutor = this.db): Promise<RegisteredModel[]> {
    if (rows.length === 0) return [];
    const names = rows.map((r) => r.name as string);
    const list = placeholders(names.length);
    const aliases = groupKv(await q.all(`SELECT name AS owner, alias AS key, version AS value FROM model_aliases WHERE name IN (${list})`, names));
    const tags = groupKv(await q.all(`SELECT name AS owner, key, value FROM model_tags WHERE name IN (${list})`, names));
    return rows.map((r) => ({
      name: r.name as string,
      createdAt: r.created_at as number,
      updatedAt: (r.updated_at as number) || (r.created_at as number),
      description: r.description as string,
      latestVersion: r.last_version as number,
      aliases: (aliases.get(r.name as string) ?? {}) as Record<string, number>,
      tags: (tags.get(r.name as string) ?? {}) as Record<string, string>,
      policy: policyOf(r),
      traffic: trafficOf(r),
    }));
  }

  private async versionsOf(rows: Row[], q: SqlExecutor = this.db): Promise<ModelVersion[]> {
    if (rows.length === 0) return [];
    const name = rows[0].name as string;
    const versions = rows.map((r) => r.version as number);
    const list = placeholders(versions.length);
    const aliasRows = await q.all<Row>(`SELECT alias, version FROM model_aliases WHERE name = ? AND version IN (${list}) ORDER BY alias`, [name, ...versions]);
    const tagRows = await q.all<{ owner: string; key: string; value: unknown }>(`SELECT version AS owner, key, value FROM model_version_tags WHERE name = ? AND version IN (${list})`, [name, ...versions]);
    const tags = groupKv(tagRows.map((t) => ({ ...t, owner: String(t.owner) })));
    return rows.map((r) => ({
      name: r.name as string,
      version: r.version as number,
      runId: (r.run_id as string | null) ?? null,
      source: r.source as string,
      digest: r.digest as string,
      task: r.task as string,
      metrics: parseJson<Record<string, number>>(r.metrics, {}),
      createdAt: r.created_at as number,
      aliases: aliasRows.filter((a) => a.version === r.version).map((a) => a.alias as string),
      author: r.author as string,
      description: r.description as string,
      signature: parseJson<unknown>(r.signature, null),
      lineage: parseJson<ModelVersion['lineage']>(r.lineage, {}),
      tags: (tags.get(String(r.version)) ?? {}) as Record<string, string>,
    }));
  }

  /**
   * A governed change: its transaction, and when a governance rule refuses it, an audit event of the refusal written after the
   * rollback (the refused change's own audit row went with it).
   */
  private async governed<T>(actor: string, action: string, entity: string, detail: unknown, fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      return await this.db.tx(fn);
    } catch (e) {
      if (e instanceof CapstanError && e.code === 'PERMISSION_DENIED') {
        await this.db.tx((q) => appendAudit(q, actor, `${action}.denied`, entity, { ...(detail as object), reason: e.message }));
      }
      throw e;
    }
  }

  private async approversOf(q: SqlExecutor, name: string, version: number, alias: string): Promise<string[]> {
    return (await q.all<Row>('SELECT approver FROM approvals WHERE name = ? AND version = ? AND alias = ?', [name, version, alias])).map((r) => r.approver as string);
  }

  private async modelRow(q: SqlExecutor, name: string): Promise<Row> {
    const r = await q.get<Row>('SELECT * FROM registered_models WHERE name = ?', [name]);
    if (!r) throw notFound(`model "${name}" not found`);
    return r;
  }

  private async versionRow(q: SqlExecutor, name: string, version: number): Promise<Row> {
    const r = await q.get<Row>('SELECT * FROM model_versions WHERE name = ? AND version = ?', [name, version]);
    if (!r) {
      await this.modelRow(q, name);
      throw notFound(`model "${name}" has no version ${version}`);
    }
    return r;
  }

  async createModel(input: { name: string; description?: string; tags?: Record<string, string>; actor: string }): Promise<RegisteredModel> {
    checkName('model name', input.name);
    const description = checkText('description', input.description ?? '', 5000);
    const tags = checkTags(input.tags);
    await this.db.tx(async (q) => {
      const now = Date.now();
      const n = await q.run(`INSERT INTO registered_models (${NEW_MODEL_COLUMNS}, description) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`, [input.name, now, now, defaultProtected, description]);
      if (n === 0) throw new CapstanError('ALREADY_EXISTS', `model "${input.name}" already exists`);
      for (const [k, v] of tags) await q.run('INSERT INTO model_tags (name, key, value) VALUES (?, ?, ?)', [input.name, k, v]);
      await appendAudit(q, input.actor, 'model.create', input.name, { description });
    });
    return this.getModel(input.name);
  }

  async getModel(name: string): Promise<RegisteredModel> {
    return (await this.modelsOf([await this.modelRow(this.db, name)]))[0];
  }

  async listModels(opts: PageRequest & { nameLike?: string } = {}): Promise<Page<RegisteredModel>> {
    const params: string[] = [];
    let where = '';
    if (opts.nameLike !== undefined) {
      checkLine('name filter', opts.nameLike, 256);
      where = 'WHERE name LIKE ?';
      params.push(opts.nameLike);
    }
    return pageOf<Row, RegisteredModel>(this.db, `SELECT * FROM registered_models ${where} ORDER BY name`, params, opts, (rows) => this.modelsOf(rows));
  }

  async setModelTag(name: string, key: string, value: string, actor: string): Promise<void> {
    checkTags({ [key]: value });
    await this.db.tx(async (q) => {
      await this.modelRow(q, name);
      await q.run('INSERT INTO model_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET value = excluded.value', [name, key, value]);
      await q.run('UPDATE registered_models SET updated_at = ? WHERE name = ?', [Date.now(), name]);
      await appendAudit(q, actor, 'model.tag', name, { key, value });
    });
  }

  async setPolicy(name: string, patch: Partial<ModelPolicy>, actor: Principal): Promise<RegisteredModel> {
    if (typeof patch !== 'object' || patch === null) throw invalid('policy must be an object {protectedAliases?, selfApproval?}');
    const aliases = patch.protectedAliases;
    if (aliases !== undefined) {
      if (!Array.isArray(aliases) || aliases.length > 20) throw invalid('policy.protectedAliases must be a list of at most 20 aliases');
      aliases.forEach((a, i) => checkAlias(`policy.protectedAliases[${i}]`, a));
    }
    if (patch.selfApproval !== undefined && typeof patch.selfApproval !== 'boolean') throw invalid('policy.selfApproval must be true or false');
    await this.governed(actor.name, 'model.policy', name, { patch }, async (q) => {
      const row = await this.modelRow(q, name);
      const before = policyOf(row);
      const next: ModelPolicy = { protectedAliases: aliases === undefined ? before.protectedAliases : [...new Set(aliases)].sort(), selfApproval: patch.selfApproval ?? before.selfApproval };
      checkPolicyChange(actor, next, trafficOf(row));
      await q.run('UPDATE registered_models SET protected_aliases = ?, self_approval = ?, updated_at = ? WHERE name = ?', [JSON.stringify(next.protectedAliases), next.selfApproval ? 1 : 0, Date.now(), name]);
      await appendAudit(q, actor.name, 'model.policy', name, { from: before, to: next });
    });
    return this.getModel(name);
  }

  async setTraffic(name: string, spec: TrafficSpec | null, actor: Principal): Promise<RegisteredModel> {
    const parsed = spec === null ? null : parseTraffic(spec);
    await this.governed(actor.name, 'model.traffic', name, { to: parsed }, async (q) => {
      const row = await this.modelRow(q, name);
      if (parsed) {
        const named = [...parsed.routes, ...(parsed.shadow ? [parsed.shadow] : [])];
        for (const p of named) if ('version' in p) await this.versionRow(q, name, p.version);
        const approvals = new Map<number, string[]>();
        for (const r of parsed.routes) if ('version' in r) approvals.set(r.version, await this.approversOf(q, name, r.version, SERVED_ALIAS));
        checkTraffic(parsed, policyOf(row), (v) => approvals.get(v) ?? [], name);
      }
      await q.run('UPDATE registered_models SET traffic = ?, updated_at = ? WHERE name = ?', [parsed ? JSON.stringify(parsed) : null, Date.now(), name]);
      await appendAudit(q, actor.name, 'model.traffic', name, { from: trafficOf(row), to: parsed });
    });
    return this.getModel(name);
  }

  async createVersion(input: { name: string; runId: string | null; source: string; digest: string; task: string; metrics: Record<string, number>; signature?: unknown; description?: string; tags?: Record<string, string>; author: string }): Promise<ModelVersion> {
    checkName('model name', input.name);
    checkLine('source', input.source, 4096);
    checkDepth('signature', input.signature);
    const description = checkText('description', input.description ?? '', 5000);
    const tags = checkTags(input.tags);
    const version = await this.db.tx(async (q) => {
      const now = Date.now();
      await q.run(`INSERT INTO registered_models (${NEW_MODEL_COLUMNS}) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`, [input.name, now, now, defaultProtected]);
      // the counter row serialises concurrent registrations of one model: versions never collide or skip
      const next = (await q.get<Row>('UPDATE registered_models SET last_version = last_version + 1, updated_at = ? WHERE name = ? RETURNING last_version', [now, input.name]))!.last_version as number;
      let lineage: ModelVersion['lineage'] = { runId: input.runId };
      if (input.runId !== null) {
        if (!(await q.get('SELECT 1 FROM runs WHERE id = ?', [input.runId]))) throw notFound(`run ${input.runId} not found`);
        const ds = await q.all<Row>('SELECT d.id, d.name, d.version, rd.role FROM run_datasets rd JOIN datasets d ON d.id = rd.dataset_id WHERE rd.run_id = ? ORDER BY rd.role, d.name', [input.runId]);
        lineage = { runId: input.runId, datasets: ds.map((d) => ({ id: d.id as string, name: d.name as string, version: d.version as number, role: d.role as string })) };
      }
      await q.run('INSERT INTO model_versions (name, version, run_id, source, digest, task, metrics, created_at, author, description, signature, lineage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        input.name, next, input.runId, input.source, input.digest, input.task, JSON.stringify(input.metrics ?? {}), now, input.author, description,
        input.signature === undefined ? null : JSON.stringify(input.signature), JSON.stringify(lineage),
      ]);
      for (const [k, v] of tags) await q.run('INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)', [input.name, next, k, v]);
      await appendAudit(q, input.author, 'model_version.create', `${input.name}:${next}`, { runId: input.runId, digest: input.digest });
      return next;
    });
    return this.getVersion(input.name, version);
  }

  async getVersion(name: string, version: number): Promise<ModelVersion> {
    return (await this.versionsOf([await this.versionRow(this.db, name, version)]))[0];
  }

  async latestVersion(name: string): Promise<ModelVersion> {
    const r = await this.db.get<Row>('SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC LIMIT 1', [name]);
    if (!r) throw notFound(`model "${name}" not found`);
    return (await this.versionsOf([r]))[0];
  }

  async listVersions(name: string, opts: PageRequest = {}): Promise<Page<ModelVersion>> {
    await this.modelRow(this.db, name);
    return pageOf<Row, ModelVersion>(this.db, 'SELECT * FROM model_versions WHERE name = ? ORDER BY version', [name], opts, (rows) => this.versionsOf(rows));
  }

  async setVersionTag(name: string, version: number, key: string, value: string, actor: string): Promise<void> {
    checkTags({ [key]: value });
    await this.db.tx(async (q) => {
      await this.versionRow(q, name, version);
      await q.run('INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value', [name, version, key, value]);
      await appendAudit(q, actor, 'model_version.tag', `${name}:${version}`, { key, value });
    });
  }

  async setCard(name: string, version: number, text: string, actor: string): Promise<ModelCard> {
    checkText('card', text, 100_000);
    checkLine('actor', actor, 200);
    const at = Date.now();
    await this.db.tx(async (q) => {
      await this.versionRow(q, name, version);
      await q.run('INSERT INTO model_cards (name, version, text, updated_by, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, version) DO UPDATE SET text = excluded.text, updated_by = excluded.updated_by, updated_at = excluded.updated_at', [name, version, text, actor, at]);
      await appendAudit(q, actor, 'model_version.card', `${name}:${version}`, { characters: text.length });
    });
    return { name, version, text, updatedBy: actor, updatedAt: at };
  }

  async getCard(name: string, version: number): Promise<ModelCard | null> {
    await this.versionRow(this.db, name, version);
    const r = await this.db.get<Row>('SELECT * FROM model_cards WHERE name = ? AND version = ?', [name, version]);
    return r ? { name, version, text: r.text as string, updatedBy: r.updated_by as string, updatedAt: r.updated_at as number } : null;
  }

  async setAlias(name: string, alias: string, version: number, actor: Principal, reason = ''): Promise<void> {
    checkAlias('alias', alias);
    checkLine('reason', reason, 2000);
    await this.governed(actor.name, 'alias.set', `${name}@${alias}`, { to: version, reason }, async (q) => {
      const model = await this.modelRow(q, name);
      await this.versionRow(q, name, version);
      const approvers = await this.approversOf(q, name, version, alias);
      checkAliasMove(alias, policyOf(model), approvers, `${name}:${version}`);
      const before = await q.get<Row>('SELECT version FROM model_aliases WHERE name = ? AND alias = ?', [name, alias]);
      await q.run('INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version', [name, alias, version]);
      await q.run('UPDATE registered_models SET updated_at = ? WHERE name = ?', [Date.now(), name]);
      await appendAudit(q, actor.name, 'alias.set', `${name}@${alias}`, { from: (before?.version as number | undefined) ?? null, to: version, reason, approvers });
    });
  }

  async deleteAlias(name: string, alias: string, actor: Principal, reason = ''): Promise<void> {
    checkAlias('alias', alias);
    checkLine('reason', reason, 2000);
    await this.governed(actor.name, 'alias.delete', `${name}@${alias}`, { reason }, async (q) => {
      const model = await this.modelRow(q, name);
      const before = await q.get<Row>('SELECT version FROM model_aliases WHERE name = ? AND alias = ?', [name, alias]);
      if (!before) throw notFound(`model "${name}" has no alias "${alias}"`);
      checkAliasDelete(alias, policyOf(model), actor);
      await q.run('DELETE FROM model_aliases WHERE name = ? AND alias = ?', [name, alias]);
      await appendAudit(q, actor.name, 'alias.delete', `${name}@${alias}`, { from: before.version, reason });
    });
  }

  async resolveAlias(name: string, alias: string): Promise<ModelVersion> {
    const r = await this.db.get<Row>('SELECT version FROM model_aliases WHERE name = ? AND alias = ?', [name, alias]);
    if (!r) {
      await this.modelRow(this.db, name);
      throw notFound(`model "${name}" has no alias "${alias}"`);
    }
    return this.getVersion(name, r.version as number);
  }

  async aliasVersion(name: string, alias: string): Promise<number | null> {
    const r = await this.db.get<Row>('SELECT version FROM model_aliases WHERE name = ? AND alias = ?', [name, alias]);
    return r ? (r.version as number) : null;
  }

  async approve(input: { name: string; version: number; alias: string; approver: Principal; comment: string }): Promise<Approval> {
    checkAlias('alias', input.alias);
    const comment = checkText('comment', input.comment ?? '', 2000);
    const row = await this.governed(input.approver.name, 'approval.create', `${input.name}:${input.version}`, { alias: input.alias }, async (q) => {
      const model = await this.modelRow(q, input.name);
      const v = await this.versionRow(q, input.name, input.version);
      const { self } = checkApprover(input.approver, v.author as string, `${input.name}:${input.version}`, input.name, policyOf(model));
      await q.run('INSERT INTO approvals (name, version, alias, approver, comment, at, self) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, version, alias, approver) DO NOTHING', [input.name, input.version, input.alias, input.approver.name, comment, Date.now(), self ? 1 : 0]);
      const a = (await q.get<Row>('SELECT * FROM approvals WHERE name = ? AND version = ? AND alias = ? AND approver = ?', [input.name, input.version, input.alias, input.approver.name]))!;
      await appendAudit(q, input.approver.name, 'approval.create', `${input.name}:${input.version}`, { alias: input.alias, comment, ...(self ? { self: true } : {}) });
      return a;
    });
    return toApproval(row);
  }

  async listApprovals(name: string): Promise<Approval[]> {
    await this.modelRow(this.db, name);
    return (await this.db.all<Row>('SELECT * FROM approvals WHERE name = ? ORDER BY id', [name])).map(toApproval);
  }
}
