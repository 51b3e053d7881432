import { createHmac, timingSafeEqual } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { CapstanError, invalid } from '../../core/errors.ts';
import { classifyAddress } from './address.ts';

export interface WebhookTarget {
  url: string;
  /** the HMAC-SHA256 key (the receiver checks `x-capstan-signature` with it); unsigned without one */
  secret?: string;
  /** let the webhook reach loopback, private and link-local addresses (an in-cluster receiver); refused by default */
  allowPrivate?: boolean;
}

export interface DeliveryOptions {
  /** attempts in all (default 4), waiting 0.5 s, 1 s, 2 s ... between them */
  attempts?: number;
  backoffMs?: number;
  timeoutMs?: number;
  /** seconds since the epoch for the signature (tests) */
  now?: () => number;
}

export interface Delivery {
  ok: boolean;
  attempts: number;
  status: number | null;
  error: string | null;
}

export const SIGNATURE_HEADER = 'x-capstan-signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the time is signed too, so an old delivery cannot be replayed. */
export function signWebhook(secret: string, body: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** What a receiver runs: the header matches the body under the secret, and was made within `toleranceSeconds` of now. */
export function verifyWebhookSignature(secret: string, header: string | undefined, body: string, toleranceSeconds = 300, now = Math.floor(Date.now() / 1000)): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(now - t) > toleranceSeconds) return false;
  const want = Buffer.from(signWebhook(secret, body, t).slice(-64), 'hex');
  return timingSafeEqual(want, Buffer.from(m[2], 'hex'));
}

/** Check a webhook URL's form (http or https, a host, no credentials). */
export function checkWebhookUrl(field: string, url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(`${field} must be an http(s) URL (got "${url.slice(0, 80)}")`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid(`${field} must be an http(s) URL (got "${u.protocol}")`);
  if (u.username || u.password) throw invalid(`${field} may not carry credentials in the URL: use a secret`);
  return u;
}

/**
 * Resolve the host and check every address it resolves to: one that is loopback, private, link-local or reserved refuses
 * the webhook (unless allowed), so a webhook cannot be pointed at internal services. The address checked is the address
 * connected to (no second lookup a DNS rebinding could answer differently).
 */
export async function resolveWebhook(target: WebhookTarget): Promise<{ url: URL; address: string; family: number }> {
  const url = checkWebhookUrl('webhook url', target.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch (e) {
    throw new CapstanError('UNAVAILABLE', `webhook host "${host.slice(0, 80)}" does not resolve: ${(e as Error).message}`);
  }
  if (!target.allowPrivate) {
    for (const a of addresses) {
      const kind = classifyAddress(a.address);
      if (kind) throw new CapstanError('PERMISSION_DENIED', `webhook ${url.origin} resolves to ${a.address}, a ${kind} address: refused (set allowPrivate on the webhook to allow it)`);
    }
  }
  if (addresses.length === 0) throw new CapstanError('UNAVAILABLE', `webhook host "${host}" has no address`);
  return { url, ...addresses[0] };
}

function once(url: URL, address: string, family: number, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const pinned: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else cb(null, address, family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', lookup: pinned, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'capstan-webhook', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * POST a JSON event to a webhook: signed with its secret, retried with backoff on network errors, 429 and 5xx (a 3xx is not
 * followed: a redirect could lead inside). Never throws for delivery failures; a refused address is a failed delivery.
 */
export async function deliverWebhook(target: WebhookTarget, event: unknown, opts: DeliveryOptions = {}): Promise<Delivery> {
  let resolved: Awaited<ReturnType<typeof resolveWebhook>>;
  try {
    resolved = await resolveWebhook(target);
  } catch (e) {
    return { ok: false, attempts: 0, status: null, error: (e as Error).message };
  }
  const body = JSON.stringify(event);
  const attempts = opts.attempts ?? 4;
  let last: Delivery = { ok: false, attempts: 0, status: null, error: null };
  for (let k = 1; k <= attempts; k++) {
    const headers: Record<string, string> = target.secret ? { [SIGNATURE_HEADER]: signWebhook(target.secret, body, opts.now?.() ?? Math.floor(Date.now() / 1000)) } : {};
    try {
      const status = await once(resolved.url, resolved.address, resolved.family, body, headers, opts.timeoutMs ?? 5_000);
      last = { ok: status >= 200 && status < 300, attempts: k, status, error: status >= 200 && status < 300 ? null : `answered ${status}` };
      if (last.ok || (status < 500 && status !== 429)) return last;
    } catch (e) {
      last = { ok: false, attempts: k, status: null, error: (e as Error).message };
    }
    if (k < attempts) await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 500) * 2 ** (k - 1)));
  }
  return last;
}
