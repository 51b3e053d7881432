import { api } from '../../api/index.ts';
import type { Router } from '../router.ts';

/** Liveness and readiness (V2 protocol); the only routes reachable without a token. */
export function healthRoutes(router: Router, ready: () => boolean, version: string): void {
  router.on(api.live, () => ({ status: 200, body: { live: true } }));
  router.on(api.ready, () => (ready() ? { status: 200, body: { ready: true } } : { status: 503, body: { ready: false } }));
  router.on(api.serverMetadata, () => ({ status: 200, body: { name: 'capstan', version, extensions: [] } }));
}
