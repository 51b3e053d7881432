import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { createHttpServer } from '../server/http.ts';
import { api } from '../api/index.ts';
import { Router } from '../server/router.ts';
import { untilSignal } from './serving.ts';

describe('stopping on a signal', () => {
  it('a request answered at once after the signal is answered with "connection: close", not a crash', async () => {
    const router = new Router().on(api.live, () => ({ status: 200, body: { live: true } }));
    const server = createHttpServer(router, { authenticate: null, maxBodyBytes: 1024 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d));
    const closed = new Promise((r) => socket.on('close', r));
    // a request under way (its headers not finished) when the signal comes; it completes after
    socket.write('GET /v2/health/live HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const stopped = untilSignal(server);
    process.emit('SIGTERM');
    await new Promise((r) => setImmediate(r));
    socket.write('\r\n');
    await closed;
    await stopped;
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
  });
});
