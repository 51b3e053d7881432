import type { Router } from '../router.ts';

/** Liveness and readiness (V2 protocol); the only routes reachable without a token. */
export function healthRoutes(router: Router, ready: () => boolean): void {
  router.add('GET', '/v2/health/live', () => ({ status: 200, body: { live: true } }), { public: true, errors: 'v2' });
  router.add('GET', '/v2/health/ready', () => (ready() ? { status: 200, body: { ready: true } } : { status: 503, body: { ready: false } }), { public: true, errors: 'v2' });
  router.add('GET', '/v2', () => ({ status: 200, body: { name: 'capstan', version: '0.1.0', extensions: [] } }), { errors: 'v2', role: 'viewer', tag: 'inference' });
}
