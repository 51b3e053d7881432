import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WarmUpRequest } from '../serve/warm-up.ts';

export interface WarmUpOptions {
  /** requests sent in all */
  total: number;
  /** at most this long, whatever was sent */
  maxMs: number;
  /** keep-alive connections used at once */
  connections?: number;
}

/**
 * Send `server` (a throwaway app over the model that is about to be served: nothing it answers is logged or counted) the
 * warm-up requests round robin over loopback, until `total` were answered or `maxMs` passed, then close it. The model path
 * and the HTTP path are then compiled and their first-use costs paid before the real server reports ready. Resolves with the
 * number answered; rejects on the first answer that is not a 200 (what it said, shortened).
 */
export async function warmUpServer(server: Server, requests: WarmUpRequest[], opts: WarmUpOptions): Promise<number> {
  // exclusive: a cluster worker's listen would otherwise go through the primary, which hands every worker asking for port 0
  // the same port (and spreads their warm-up requests over each other's warm-up servers)
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const connections = opts.connections ?? 8;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const until = Date.now() + opts.maxMs;
  let sent = 0;
  let answered = 0;
  const one = (r: WarmUpRequest) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: r.path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 200) resolve();
          else reject(new Error(`${r.path} answered ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(r.body);
    });
  const loop = async () => {
    while (sent < opts.total && Date.now() < until) {
      await one(requests[sent++ % requests.length]);
      answered++;
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, loop));
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  return answered;
}
