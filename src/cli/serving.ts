import type { Server } from 'node:http';

/**
 * Resolve when SIGINT/SIGTERM arrives and the server has stopped accepting and finished in-flight requests. `drain` runs
 * first (readiness turns 503), then idle keep-alive connections close and busy ones close after their current response.
 */
export function untilSignal(server: Server, onSignal?: (sig: string) => void, drain?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const stop = (sig: string) => {
      drain?.();
      onSignal?.(sig);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // responses written from now on ask the client to close the connection
      server.on('request', (_req, res) => res.setHeader('connection', 'close'));
      server.close(() => resolve());
      server.closeIdleConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
