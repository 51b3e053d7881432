import type { Server } from 'node:http';
import type { Stores } from '../store/index.ts';
import { createHttpServer } from './http.ts';
import type { ModelProvider } from './model-provider.ts';
import { Router } from './router.ts';
import { healthRoutes } from './routes/health.ts';
import { inferenceRoutes } from './routes/inference.ts';
import { modelRoutes } from './routes/models.ts';
import { CapstanError } from '../core/errors.ts';

export interface AppOptions {
  models: ModelProvider;
  stores: Stores | null;
  token: string | null;
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

/** Build the Capstan HTTP server (not yet listening). Everything it needs is injected; nothing is module state. */
export function createApp(opts: AppOptions): { server: Server; router: Router } {
  const router = new Router();
  healthRoutes(router, () => true);
  inferenceRoutes(router, opts.models);
  modelRoutes(router, opts.models, opts.stores);
  const server = createHttpServer(router, { token: opts.token, maxBodyBytes: opts.maxBodyBytes ?? 16 * 1024 * 1024, log: opts.log });
  server.keepAliveTimeout = 65_000;
  return { server, router };
}

/** Listen on host:port; a port in use is a clear UNAVAILABLE error, not a crash. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') reject(new CapstanError('UNAVAILABLE', `port ${port} on ${host} is already in use (choose another with --port)`));
      else if (e.code === 'EACCES') reject(new CapstanError('UNAVAILABLE', `not allowed to listen on port ${port} (choose one above 1024 with --port)`));
      else reject(new CapstanError('UNAVAILABLE', `cannot listen on ${host}:${port}: ${e.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
