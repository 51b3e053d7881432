import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { deliverWebhook, SIGNATURE_HEADER, verifyWebhookSignature } from './webhook.ts';

/** A receiver on loopback answering each request with the next status of `statuses` (then 200). */
async function receiver(host: string, statuses: number[] = []): Promise<{ url: string; got: { headers: IncomingMessage['headers']; body: string }[]; close: () => Promise<void> }> {
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/hook`, got, close: () => new Promise((r) => server.close(() => r())) };
}

test('a webhook to a loopback address (127.0.0.1, [::1], localhost) is refused unless allowed, and nothing is sent', async () => {
  for (const host of ['127.0.0.1', '::1']) {
    const r = await receiver(host);
    try {
      const d = await deliverWebhook({ url: r.url }, { event: 'x' }, { attempts: 1 });
      assert.equal(d.ok, false);
      assert.match(d.error!, /loopback address: refused/);
      const named = await deliverWebhook({ url: r.url.replace(host.includes(':') ? '[::1]' : host, 'localhost') }, { event: 'x' }, { attempts: 1 });
      assert.equal(named.ok, false);
      assert.equal(r.got.length, 0);
    } finally {
      await r.close();
    }
  }
});

test('an allowed webhook is delivered signed with HMAC-SHA256, and the receiver verifies it with the secret only', async () => {
  const r = await receiver('127.0.0.1');
  try {
    const event = { event: 'alert.firing', model: 'churn', rule: 'drift', value: 0.6 };
    const d = await deliverWebhook({ url: r.url, secret: 's3cret', allowPrivate: true }, event);
    assert.deepEqual([d.ok, d.attempts, d.status], [true, 1, 200]);
    const { headers, body } = r.got[0];
    assert.deepEqual(JSON.parse(body), event);
    assert.equal(headers['content-type'], 'application/json');
    const sig = headers[SIGNATURE_HEADER] as string;
    assert.equal(verifyWebhookSignature('s3cret', sig, body), true);
    assert.equal(verifyWebhookSignature('other', sig, body), false);
    assert.equal(verifyWebhookSignature('s3cret', sig, body.replace('0.6', '0.7')), false);
    // a delivery replayed later than the tolerance is refused
    assert.equal(verifyWebhookSignature('s3cret', sig, body, 300, Math.floor(Date.now() / 1000) + 3600), false);
  } finally {
    await r.close();
  }
});

test('a failing receiver is retried with backoff on 5xx, not on 4xx', async () => {
  const r = await receiver('127.0.0.1', [503, 502, 200]);
  try {
    const d = await deliverWebhook({ url: r.url, allowPrivate: true }, { n: 1 }, { backoffMs: 10 });
    assert.deepEqual([d.ok, d.attempts], [true, 3]);
    const gone = await receiver('127.0.0.1', [410]);
    const g = await deliverWebhook({ url: gone.url, allowPrivate: true }, { n: 1 }, { backoffMs: 10 });
    assert.deepEqual([g.ok, g.attempts, g.status], [false, 1, 410]);
    await gone.close();
  } finally {
    await r.close();
  }
});
