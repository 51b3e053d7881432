import type { Server } from 'node:net';
import { CapstanError } from '../core/errors.ts';
import { CAPSTAN_VERSION } from '../core/config.ts';
import { api, openApiDocument } from '../api/index.ts';
import type { Principal, Stores } from '../store/index.ts';
import { createHttpServer, type HttpServer, type Refusal } from './http.ts';
import type { ModelProvider } from './model-provider.ts';
import { Router } from './router.ts';
import { AuthThrottle } from './throttle.ts';
import type { UiFiles } from './static-ui.ts';
import { artifactRoutes } from './routes/api/artifacts.ts';
import { auditRoutes } from './routes/api/audit.ts';
import { datasetRoutes } from './routes/api/datasets.ts';
import { experimentRoutes } from './routes/api/experiments.ts';
import { registryRoutes } from './routes/api/models.ts';
import { pipelineRoutes } from './routes/api/pipelines.ts';
import { predictionRoutes } from './routes/api/predictions.ts';
import { runRoutes } from './routes/api/runs.ts';
import { tokenRoutes } from './routes/api/tokens.ts';
import { healthRoutes } from './routes/health.ts';
import { inferenceRoutes } from './routes/inference.ts';
import { createServingHooks, type ServingHooks } from '../serve/index.ts';
import { monitoringRoutes } from './routes/api/monitoring.ts';
import { mlflowRoutes } from './routes/mlflow.ts';
import { modelRoutes } from './routes/models.ts';

export interface AppOptions {
  models: ModelProvider;
  /** the stores behind the API; null for a single-model `capstan serve` (inference routes only) */
  stores: Stores | null;
  /** bearer token -> principal; null = no authentication */
  authenticate: ((token: string) => Promise<Principal | null>) | null;
  /** metrics and prediction log of the inference routes; by default metrics of this process and no log */
  serving?: ServingHooks;
  maxBodyBytes?: number;
  /** prediction requests handled at once before load is shed with 503 + Retry-After */
  maxInFlight?: number;
  maxArtifactBytes?: number;
  log?: (line: string) => void;
  /** a connection that sends nothing for this long is closed (default 10 s) */
  firstByteTimeoutMs?: number;
  /** failed authentications a client may make at once, and then one more per refillMs (default 20, then 1 a second); `now`: its clock */
  authThrottle?: { burst?: number; refillMs?: number; now?: () => number };
  /** the web UI served at / (`capstan server`), when built */
  ui?: UiFiles | null;
}

/** Build the Capstan HTTP server (not yet listening). Everything it needs is injected; nothing is module state. */
export function createApp(opts: AppOptions): { server: HttpServer; router: Router; drain: () => void } {
  const router = new Router();
  // readiness turns 503 the moment shutdown starts, while in-flight requests finish
  let draining = false;
  healthRoutes(router, () => !draining, CAPSTAN_VERSION);
  const serving = opts.serving ?? createServingHooks(null);
  inferenceRoutes(router, opts.models, serving);
  modelRoutes(router, opts.models, opts.stores, serving);
  if (opts.stores) {
    const meta = opts.stores.metadata;
    experimentRoutes(router, meta);
    runRoutes(router, meta);
    artifactRoutes(router, meta, opts.stores.artifacts, opts.maxArtifactBytes ?? 4 * 1024 ** 3);
    datasetRoutes(router, meta);
    registryRoutes(router, opts.stores);
    auditRoutes(router, meta);
    tokenRoutes(router, meta);
    predictionRoutes(router, meta);
    monitoringRoutes(router, opts.stores, opts.log);
    pipelineRoutes(router, opts.stores, opts.log);
    mlflowRoutes(router, opts.stores, opts.maxArtifactBytes ?? 4 * 1024 ** 3);
  }
  // the document of the routes this server has, built from their declarations
  router.on(api.openapi, () => ({ status: 200, body: openApiDocument(router.routes.map((r) => r.contract), CAPSTAN_VERSION) }));
  const audit = opts.stores?.metadata.audit;
  // refusals of state-changing requests go to the audit log (reads refused are only counted: they change nothing)
  const refused = audit
    ? (r: Refusal) => {
        if (r.method === 'GET' || r.method === 'HEAD') return;
        const governed = r.route.audit && r.params ? r.route.audit : null;
        return audit.record({ actor: r.principal?.name ?? 'anonymous', action: governed ? `${governed.action}.denied` : 'request.denied', entity: governed ? governed.entity(r.params!) : `${r.method} ${r.route.pattern}`, detail: { reason: r.reason, status: r.code === 'UNAUTHENTICATED' ? 401 : 403, client: r.client } });
      }
    : undefined;
  const server = createHttpServer(router, { authenticate: opts.authenticate, refused, throttle: new AuthThrottle(serving.metrics.auth, opts.authThrottle?.burst, opts.authThrottle?.refillMs, undefined, opts.authThrottle?.now), maxBodyBytes: opts.maxBodyBytes ?? 16 * 1024 * 1024, ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}), log: opts.log, ui: opts.ui ?? null });
  server.keepAliveTimeout = 65_000;
  // a client that sends its request too slowly (or never finishes its headers) is cut off
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // ... and one that never sends a byte too: headersTimeout starts only with a request, so such connections were held
  // forever. (No 'data' listener here: it would take the socket's reads from the HTTP parser's native path, and cost
  // serving 13% of its throughput; bytesRead counts what the parser read.)
  server.on('connection', (socket) => {
    const idle = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, opts.firstByteTimeoutMs ?? 10_000);
    idle.unref();
    socket.once('close', () => clearTimeout(idle));
  });
  return { server, router, drain: () => (draining = true) };
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
