import type { HttpServer } from '../server/index.ts';
import { Server as NetServer } from 'node:net';

/** The first SIGINT or SIGTERM (listeners removed once it arrives). */
export function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (sig: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(sig);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** How long keep-alive clients get, after a stop signal, to send their next request and be told to close. */
const KEEP_ALIVE_GRACE_MS = 1500;

/**
 * Resolve when SIGINT/SIGTERM arrives and the server has stopped accepting and finished in-flight requests. `drain` runs
 * first (readiness turns 503) and every response from then on carries `connection: close`. Keep-alive clients get a short
 * grace to send their next request on the connection they hold and be told to close it: closing an idle keep-alive socket
 * at once raced with the request its client was sending (ECONNRESET). The server stops accepting new connections at once;
 * after the grace what is idle is closed, and connections with a request in progress close when it is answered.
 */
export async function untilSignal(server: HttpServer, onSignal?: (sig: string) => void, drain?: () => void, graceMs = KEEP_ALIVE_GRACE_MS): Promise<void> {
  const sig = await stopSignal();
  drain?.();
  onSignal?.(sig);
  // responses written from now on ask the client to close its connection
  server.stopKeepAlive();
  // stop accepting at once, but without the idle-connection sweep http's close() does (since Node 19): a keep-alive client
  // may be sending on its idle connection right now
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  // the grace ends early once no connection is left open
  const connections = () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n ?? 0)));
  for (const until = Date.now() + graceMs; Date.now() < until && (await connections()) > 0; ) await new Promise((r) => setTimeout(r, 50));
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  await closed;
  clearInterval(idle);
}
