import { invalid } from '../core/errors.ts';

/** `redis://[user:password@]host[:port][/db]`, checked before any connection. */
export function checkRedisUrl(url: string, option = '--redis'): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(`${option} must be a URL like redis://127.0.0.1:6379, got "${url}"`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw invalid(`${option} must start with redis:// or rediss://, got "${url}"`);
  if (!/^\/?(\d{1,2})?$/.test(u.pathname)) throw invalid(`${option}: the path may only name a database number (e.g. redis://host:6379/0), got "${u.pathname}"`);
  return u;
}

export function checkQueueName(name: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw invalid(`--queue must be 1-64 letters, digits, "_" or "-", got "${name}"`);
  return name;
}
