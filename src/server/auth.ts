import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The admin token: `CAPSTAN_ADMIN_TOKEN`, else `$CAPSTAN_HOME/admin-token`, else a new random one written there (mode 600).
 * `created` tells the caller to print it once.
 */
export function adminToken(home: string, env: NodeJS.ProcessEnv = process.env): { token: string; file: string | null; created: boolean } {
  if (env.CAPSTAN_ADMIN_TOKEN) return { token: env.CAPSTAN_ADMIN_TOKEN, file: null, created: false };
  const file = join(home, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), file, created: false };
  mkdirSync(home, { recursive: true });
  const token = 'cap_' + randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { token, file, created: true };
}
