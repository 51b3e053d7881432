import type { Server } from 'node:http';

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

/**
 * Resolve when SIGINT/SIGTERM arrives and the server has stopped accepting and finished in-flight requests. `drain` runs
 * first (readiness turns 503); the server stops accepting after the current turn of the event loop (so requests already
 * read off the sockets count as in flight); keep-alive connections close as soon as they have no request in progress.
 */
export async function untilSignal(server: Server, onSignal?: (sig: string) => void, drain?: () => void): Promise<void> {
  const sig = await stopSignal();
  drain?.();
  onSignal?.(sig);
  // responses written from now on ask the client to close its connection (set before the app's handler runs: it may answer
  // at once, and a header cannot be set on a response already sent)
  server.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      server.close(() => {
        clearInterval(idle);
        resolve();
      });
    }),
  );
}
