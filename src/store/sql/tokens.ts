import { createHash, randomBytes } from 'node:crypto';
import { CapstanError, invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { checkName } from '../../core/names.ts';
import type { TokenStore } from '../metadata-store.ts';
import { ROLES } from '../types.ts';
import type { ApiToken, Principal, Role } from '../types.ts';
import { appendAudit } from './audit.ts';
import type { Row, SqlDriver } from './driver.ts';

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class SqlTokenStore implements TokenStore {
  revocations = 0;
  constructor(private readonly db: SqlDriver) {}

  async create(input: { name: string; role: Role; actor: string }): Promise<{ token: string; info: ApiToken }> {
    checkName('token name', input.name);
    if (!ROLES.includes(input.role)) throw invalid(`role must be one of ${ROLES.join(', ')}`);
    const token = 'cap_' + randomBytes(24).toString('base64url');
    const info: ApiToken = { id: newId(), name: input.name, role: input.role, createdAt: Date.now(), revokedAt: null };
    await this.db.tx(async (q) => {
      const n = await q.run('INSERT INTO api_tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING', [info.id, info.name, info.role, tokenHash(token), info.createdAt]);
      if (n === 0) throw new CapstanError('ALREADY_EXISTS', `a token named "${input.name}" already exists`);
      await appendAudit(q, input.actor, 'token.create', `token:${input.name}`, { role: input.role });
    });
    return { token, info };
  }

  async verify(token: string): Promise<Principal | null> {
    const r = await this.db.get<Row>('SELECT name, role FROM api_tokens WHERE hash = ? AND revoked_at IS NULL', [tokenHash(token)]);
    return r ? { name: r.name as string, role: r.role as Role } : null;
  }

  async list(): Promise<ApiToken[]> {
    const rows = await this.db.all<Row>('SELECT id, name, role, created_at, revoked_at FROM api_tokens ORDER BY name');
    return rows.map((r) => ({ id: r.id as string, name: r.name as string, role: r.role as Role, createdAt: r.created_at as number, revokedAt: (r.revoked_at as number | null) ?? null }));
  }

  async revoke(name: string, actor: string): Promise<void> {
    await this.db.tx(async (q) => {
      const n = await q.run('UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL', [Date.now(), name]);
      if (n === 0) throw notFound(`no active token named "${name}"`);
      await appendAudit(q, actor, 'token.revoke', `token:${name}`, {});
    });
    this.revocations++;
  }
}
