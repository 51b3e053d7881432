import type { Server } from 'node:http';

/** Resolve when SIGINT/SIGTERM arrives and the server has stopped accepting and finished in-flight requests. */
export function untilSignal(server: Server, onSignal?: (sig: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const stop = (sig: string) => {
      onSignal?.(sig);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => resolve());
      server.closeIdleConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
