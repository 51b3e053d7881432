import { api } from '../../../api/index.ts';
import { checkName } from '../../../core/names.ts';
import { HOUR_MS, monitorModel, parseWindowLength, recordActuals } from '../../../monitor/index.ts';
import type { Stores } from '../../../store/index.ts';
import type { Router } from '../../router.ts';

/** Windows reported when no `since` is given. */
const DEFAULT_WINDOWS = 24;

/** Monitoring read from the store (every serving process's windows) and actuals joined to the prediction log. */
export function monitoringRoutes(router: Router, stores: Stores): void {
  router.on(api.monitorModel, async ({ params, q }) => {
    const windowMs = q.window ? parseWindowLength('window', q.window) : HOUR_MS;
    const until = q.until ?? Date.now();
    return { status: 200, body: await monitorModel(stores, checkName('name', params.name), { windowMs, since: q.since ?? until - DEFAULT_WINDOWS * windowMs + 1, until, ...(q.version ? { version: q.version } : {}) }) };
  });
  router.on(api.postActuals, async ({ body }) => ({ status: 200, body: await recordActuals(stores, body.actuals) }));
}
