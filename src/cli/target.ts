import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { capstanHome } from '../core/config.ts';
import { invalid } from '../core/errors.ts';
import { CapstanClient } from '../sdk/client.ts';
import type { MetadataStore, Principal } from '../store/index.ts';
import { localActor, stores } from './common.ts';

export interface TargetOptions {
  server?: string;
  token?: string;
  json?: boolean;
}

/** `--server URL [--token T]` on a command: work on a remote Capstan server instead of the local store. */
export function remoteOptions(c: Command): Command {
  return c
    .option('--server <url>', 'a Capstan server (default: the local store in $CAPSTAN_HOME)')
    .option('--token <token>', 'API token for --server (default: $CAPSTAN_TOKEN, else the local admin token)')
    .option('--json', 'print one JSON document');
}

/**
 * The metadata store a command works on, and who it acts as: the server's (through the SDK, as the token's principal) or the
 * local one (as the local user, who owns the store file and so has the admin role).
 */
export async function withTarget<T>(o: TargetOptions, fn: (store: MetadataStore, me: Principal) => Promise<T>): Promise<T> {
  if (o.server) {
    if (!/^https?:\/\/[^\s]+$/.test(o.server)) throw invalid(`--server must be an http(s) URL, got "${o.server.slice(0, 80)}"`);
    const file = join(capstanHome(), 'admin-token');
    const token = o.token ?? process.env.CAPSTAN_TOKEN ?? (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);
    if (!token) throw invalid('no token for --server: pass --token or set CAPSTAN_TOKEN');
    const client = new CapstanClient(o.server.replace(/\/+$/, ''), token);
    return fn(client, await client.whoami());
  }
  const s = await stores();
  try {
    return await fn(s.metadata, { name: localActor(), role: 'admin' });
  } finally {
    await s.metadata.close();
  }
}

/** The remote client for --server (the same token rules as every remote command); null without --server. */
export async function clientOf(o: TargetOptions): Promise<CapstanClient | null> {
  return o.server ? withTarget(o, async (store) => store as CapstanClient) : null;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/g;

/**
 * Text for a terminal: control characters (escape sequences, bells, carriage returns) shown as `\xNN` escapes, so a name
 * stored through the API cannot rewrite the viewer's terminal. Newlines are kept (multi-line summaries); table cells lose them.
 */
export function safe(text: string): string {
  return text.replace(CONTROL, (c) => (c.charCodeAt(0) > 0xff ? `\\u${c.charCodeAt(0).toString(16)}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** A time as the tables show it: UTC, to the second. */
export function when(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Aligned columns; every cell made safe for the terminal and kept to one line. */
export function table(rows: string[][]): string {
  const cells = rows.map((r) => r.map((c) => safe(c ?? '').replace(/\n/g, '\\n')));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}
