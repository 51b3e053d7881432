import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '../core/errors.ts';
import type { Principal, TokenStore } from '../store/index.ts';

/**
 * The admin token: `CAPSTAN_ADMIN_TOKEN`, else `$CAPSTAN_HOME/admin-token`, else a new random one written there (mode 600).
 * `created` tells the caller to print it once.
 */
export function adminToken(home: string, env: NodeJS.ProcessEnv = process.env): { token: string; file: string | null; created: boolean } {
  if (env.CAPSTAN_ADMIN_TOKEN) return { token: checkTokenStrength('CAPSTAN_ADMIN_TOKEN', env.CAPSTAN_ADMIN_TOKEN), file: null, created: false };
  const file = join(home, 'admin-token');
  if (existsSync(file)) return { token: checkTokenStrength(file, readFileSync(file, 'utf8').trim()), file, created: false };
  mkdirSync(home, { recursive: true });
  const token = 'cap_' + randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { token, file, created: true };
}

/** Tokens that stand for a server's whole authority are at least this long (the generated ones have 36 characters). */
export const MIN_TOKEN_LENGTH = 32;

/** A configured token that can be guessed is refused at start, naming where it came from. */
export function checkTokenStrength(where: string, token: string): string {
  if (token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
    throw invalid(`the token in ${where} must be at least ${MIN_TOKEN_LENGTH} printable characters without spaces (generate one: node -e "console.log('cap_' + require('crypto').randomBytes(24).toString('base64url'))")`);
  }
  return token;
}

const CACHE_MS = 5_000;

/**
 * Bearer tokens to principals: the admin token (compared in constant time) is `admin`; API tokens are looked up by hash in
 * the token store, cached for 5 s to keep the inference path free of queries (a revocation through this server takes effect at
 * once; one made by another process within 5 s).
 */
export function createAuthenticator(admin: string | null, tokens: TokenStore | null): (token: string) => Promise<Principal | null> {
  const adminDigest = admin ? createHash('sha256').update(admin).digest() : null;
  const cache = new Map<string, { principal: Principal | null; until: number }>();
  let seen = tokens?.revocations ?? 0;
  return async (token) => {
    if (tokens && tokens.revocations !== seen) {
      cache.clear();
      seen = tokens.revocations;
    }
    const digest = createHash('sha256').update(token).digest();
    if (adminDigest && timingSafeEqual(digest, adminDigest)) return { name: 'admin', role: 'admin' };
    if (!tokens) return null;
    const key = digest.toString('hex');
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.principal;
    const principal = await tokens.verify(token);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { principal, until: Date.now() + CACHE_MS });
    return principal;
  };
}
