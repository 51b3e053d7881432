import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { api } from '../api/index.ts';
import { createHttpServer, type HttpServer } from './http.ts';
import { parseHead } from './lean-http.ts';
import { Router } from './router.ts';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The complete responses in `text` (bytes as latin1), in order, bodies decoded (content-length or chunked). */
function answers(text: string): Answer[] {
  const out: Answer[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) return out;
    const [line, ...rest] = text.slice(at, end).split('\r\n');
    const headers = Object.fromEntries(rest.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    let body: string;
    if (headers['transfer-encoding'] === 'chunked') {
      body = '';
      let p = end + 4;
      for (;;) {
        const nl = text.indexOf('\r\n', p);
        if (nl < 0) return out;
        const n = parseInt(text.slice(p, nl), 16);
        if (text.length < nl + 2 + n + 2) return out;
        body += text.slice(nl + 2, nl + 2 + n);
        p = nl + 2 + n + 2;
        if (n === 0) break;
      }
      at = p;
    } else {
      const n = Number(headers['content-length'] ?? 0);
      if (text.length < end + 4 + n) return out;
      body = text.slice(end + 4, end + 4 + n);
      at = end + 4 + n;
    }
    out.push({ status: Number(line.split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8') });
  }
}

/** Write `parts` to a new connection (a pause between parts), and read until `count` answers came or the socket closed. */
function talk(port: number, parts: (string | Buffer)[], count: number, opts: { pauseMs?: number; end?: boolean } = {}): Promise<{ answers: Answer[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const finish = () => {
      socket.destroy();
      resolve({ answers: answers(text), closed });
    };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      if (answers(text).length >= count && !opts.end) setTimeout(finish, 30);
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', reject);
    void (async () => {
      for (const p of parts) {
        socket.write(p);
        await new Promise((r) => setTimeout(r, opts.pauseMs ?? 0));
      }
      if (opts.end) socket.end();
    })();
  });
}

const post = (body: string, extra = '') => `POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const GET_LIVE = 'GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n';

async function start(lean: boolean, opts: { maxBodyBytes?: number } = {}): Promise<{ server: HttpServer; port: number }> {
  const router = new Router()
    .on(api.live, () => ({ status: 200, body: { live: true } }))
    // echoes the body it was given (after the common path: size limit, JSON parse)
    .on(api.invocations, (req) => ({ status: 200, json: JSON.stringify({ got: req.body }), headers: { 'x-echo': '1' } }));
  const server = createHttpServer(router, { authenticate: null, maxBodyBytes: opts.maxBodyBytes ?? 4096, lean });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

async function stop(server: HttpServer): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

describe('parseHead', () => {
  it('takes a plain HTTP/1.1 request head, header names lowercased and values trimmed', () => {
    const h = parseHead('POST /invocations?model=a HTTP/1.1\r\nHost: x:1\r\nContent-Length:  12 \r\nX-A:\tb c\r\nConnection: keep-alive, close');
    assert.ok(h);
    assert.equal(h.method, 'POST');
    assert.equal(h.url, '/invocations?model=a');
    assert.equal(h.length, 12);
    assert.equal(h.close, true);
    assert.equal(h.headers['x-a'], 'b c');
    assert.equal(h.headers.host, 'x:1');
  });

  it("leaves to node's parser whatever is not plainly well-formed", () => {
    const ok = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1';
    assert.ok(parseHead(ok));
    for (const bad of [
      'POST / HTTP/1.0\r\nHost: x',
      'POST * HTTP/1.1\r\nHost: x',
      'POST http://x/ HTTP/1.1\r\nHost: x',
      'post / HTTP/1.1\r\nHost: x',
      'POST /a b HTTP/1.1\r\nHost: x',
      'POST / HTTP/1.1\r\nContent-Length: 1',
      `${ok}\r\nContent-Length: 1`,
      `${ok}\r\nTransfer-Encoding: chunked`,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999',
      `${ok}\r\nExpect: 100-continue`,
      `${ok}\r\nUpgrade: websocket\r\nConnection: Upgrade`,
      `${ok}\r\nX-A: b\r\n c`,
      `${ok}\r\nX A: b`,
      `${ok}\r\n: b`,
      `${ok}\r\nX-A: b\u0000`,
      `${ok}\r\nX-A: b\rc`,
      `${ok}\r\nhost: y`,
    ]) {
      assert.equal(parseHead(bad), null, JSON.stringify(bad));
    }
  });
});

describe('the lean reader', () => {
  let lean: { server: HttpServer; port: number };
  let plain: { server: HttpServer; port: number };
  before(async () => {
    lean = await start(true);
    plain = await start(false);
  });
  after(async () => {
    await stop(lean.server);
    await stop(plain.server);
  });

  it('answers pipelined requests in order, and a request sent a byte at a time', async () => {
    const { answers: a } = await talk(lean.port, [post('{"n":1}') + post('{"n":2}') + post('{"n":3}')], 3);
    assert.deepEqual(
      a.map((x) => [x.status, JSON.parse(x.body)]),
      [1, 2, 3].map((n) => [200, { got: { n } }]),
    );
    assert.equal(a[0].headers.connection, 'keep-alive');
    assert.equal(a[0].headers['x-echo'], '1');
    const bytes = Buffer.from(post('{"é":"ü"}'));
    const one = await talk(lean.port, [...bytes].map((b) => Buffer.from([b])), 1, { pauseMs: 1 });
    assert.deepEqual(JSON.parse(one.answers[0].body), { got: { é: 'ü' } });
  });

  it("hands the connection to node's parser at its first other request, with the bytes read so far, in order", async () => {
    const { answers: a } = await talk(lean.port, [post('{"n":1}') + GET_LIVE + post('{"n":2}')], 3);
    assert.deepEqual(
      a.map((x) => [x.status, JSON.parse(x.body)]),
      [
        [200, { got: { n: 1 } }],
        [200, { live: true }],
        [200, { got: { n: 2 } }],
      ],
    );
    // a chunked body is node's to read; its answer is the same
    const chunked = 'POST /invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n';
    const c = await talk(lean.port, [post('{"n":0}'), chunked], 2, { pauseMs: 20 });
    assert.deepEqual(
      c.answers.map((x) => JSON.parse(x.body)),
      [{ got: { n: 0 } }, { got: { a: 1 } }],
    );
  });

  it("answers what node's parser answers, request for request, malformed and smuggling attempts included", async () => {
    const cases = [
      post('{"n":1}'),
      post('{"n":'),
      post('[[[[' + ']]]]'),
      post(''),
      post('{"big":"' + 'x'.repeat(5000) + '"}'),
      post('{}', 'Origin: http://elsewhere\r\n'),
      'POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      'POST /%2e%2e/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}',
      'POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}',
      'POST /invocations HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}',
      'POST /invocations HTTP/1.1\nHost: x\nContent-Length: 2\n\n{}',
      'GARBAGE\r\n\r\n',
      'POST /invocations HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\nContent-Length: 2\r\n\r\n{}',
    ];
    for (const c of cases) {
      const [l, p] = await Promise.all([talk(lean.port, [c], 1), talk(plain.port, [c], 1)]);
      assert.deepEqual(
        l.answers.map((x) => [x.status, x.body]),
        p.answers.map((x) => [x.status, x.body]),
        JSON.stringify(c.slice(0, 120)),
      );
      assert.ok(l.answers.length === 1, JSON.stringify(c.slice(0, 120)));
    }
  });

  it('closes the connection when asked to, and after answering a client that half-closed', async () => {
    const c = await talk(lean.port, [post('{"n":1}', 'Connection: close\r\n') + post('{"n":2}')], 2);
    assert.equal(c.answers.length, 1);
    assert.equal(c.answers[0].headers.connection, 'close');
    assert.equal(c.closed, true);
    const h = await talk(lean.port, [post('{"n":1}') + post('{"n":2}')], 2, { end: true });
    assert.deepEqual(
      h.answers.map((x) => JSON.parse(x.body)),
      [{ got: { n: 1 } }, { got: { n: 2 } }],
    );
    assert.equal(h.closed, true);
  });

  it('answers 408 to a head or body that does not arrive in time, and closes idle keep-alive connections', async () => {
    const s = await start(true);
    s.server.headersTimeout = 1000;
    s.server.requestTimeout = 1500;
    s.server.keepAliveTimeout = 1000;
    const t0 = Date.now();
    const [head, body, idle] = await Promise.all([talk(s.port, ['POST /invocations HTTP/1.1\r\nHost: x\r\n'], 1), talk(s.port, ['POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"a'], 1), talk(s.port, [post('{}')], 2)]);
    assert.equal(head.answers[0].status, 408);
    assert.equal(body.answers[0].status, 408);
    assert.equal(idle.answers.length, 1);
    assert.ok(head.closed && body.closed && idle.closed);
    assert.ok(Date.now() - t0 < 5000);
    await stop(s.server);
  });

  it('after stopKeepAlive every answer closes its connection', async () => {
    const s = await start(true);
    const first = await talk(s.port, [post('{}')], 1);
    assert.equal(first.answers[0].headers.connection, 'keep-alive');
    s.server.stopKeepAlive();
    const c = await talk(s.port, [post('{}') + post('{}')], 2);
    assert.equal(c.answers.length, 1);
    assert.equal(c.answers[0].headers.connection, 'close');
    assert.equal(c.closed, true);
    await stop(s.server);
  });

  it('a body past the server limit is refused with 413, and the connection goes on', async () => {
    const s = await start(true, { maxBodyBytes: 64 });
    const big = '{"a":"' + 'x'.repeat(100) + '"}';
    const c = await talk(s.port, [post(big) + post('{"n":1}')], 2);
    assert.deepEqual(
      c.answers.map((x) => x.status),
      [413, 200],
    );
    await stop(s.server);
  });

  it('thousands of pipelined requests sent at once are all answered, in order', { timeout: 30_000 }, async () => {
    const n = 3000;
    const c = await talk(lean.port, [Array.from({ length: n }, (_, i) => post(`{"i":${i}}`)).join('')], n);
    assert.equal(c.answers.length, n);
    assert.ok(c.answers.every((x, i) => JSON.parse(x.body).got.i === i));
  });
});
