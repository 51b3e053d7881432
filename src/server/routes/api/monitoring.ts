import { api } from '../../../api/index.ts';
import { checkName } from '../../../core/names.ts';
import { monitorPass } from '../../../pipeline/index.ts';
import { compareShadow, predictionLineage, replay, setVersionHumility, versionHumility, HOUR_MS, monitorModel, parsePolicy, parseWindowLength, recordActuals } from '../../../monitor/index.ts';
import { invalid } from '../../../core/errors.ts';
import type { Stores } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { actor } from './fields.ts';

/** Windows reported when no `since` is given. */
const DEFAULT_WINDOWS = 24;

/** Monitoring read from the store (every serving process's windows) and actuals joined to the prediction log. */
export function monitoringRoutes(router: Router, stores: Stores, log?: (line: string) => void): void {
  const monitor = stores.metadata.monitor;
  router.on(api.putPolicy, async (req) => {
    const { params, body } = req;
    const name = checkName('name', params.name);
    const policy = parsePolicy({ ...body, model: body.model ?? name });
    if (policy.model !== name) throw invalid(`the policy's model "${policy.model}" is not the model in the path ("${name}")`);
    return { status: 200, body: await monitor.putPolicy(name, policy, actor(req)) };
  });
  router.on(api.getPolicy, async ({ params, q }) => ({ status: 200, body: await monitor.getPolicy(checkName('name', params.name), q.version ? Number(q.version) : undefined) }));
  const versionOf = (text: string) => {
    if (!/^[1-9][0-9]{0,8}$/.test(text)) throw invalid(`version must be a positive integer, got "${text.slice(0, 20)}"`);
    return Number(text);
  };
  router.on(api.getHumility, async ({ params }) => {
    const [name, version] = [checkName('name', params.name), versionOf(params.version)];
    return { status: 200, body: { name, version, rules: await versionHumility(stores, name, version) } };
  });
  router.on(api.putHumility, async (req) => {
    const [name, version] = [checkName('name', req.params.name), versionOf(req.params.version)];
    const doc = req.body.rules === null || req.body.rules.length === 0 ? null : req.body.rules;
    return { status: 200, body: { name, version, rules: await setVersionHumility(stores, name, version, doc, actor(req)) } };
  });
  router.on(api.listPolicies, async () => ({ status: 200, body: { items: await monitor.listPolicies() } }));
  router.on(api.listAlerts, async ({ q }) => ({ status: 200, body: { items: await monitor.listAlerts({ ...(q.model ? { model: checkName('model', q.model) } : {}), ...(q.status ? { status: q.status } : {}) }) } }));
  router.on(api.acknowledgeAlert, async (req) => ({ status: 200, body: await monitor.acknowledgeAlert(req.params.alertId, actor(req)) }));
  router.on(api.evaluateAlerts, async () => {
    const pass = await monitorPass(stores, { log });
    return { status: 200, body: { items: pass.alerts, retrained: pass.retrained, canaries: pass.canaries } };
  });
  router.on(api.monitorModel, async ({ params, q }) => {
    const windowMs = q.window ? parseWindowLength('window', q.window) : HOUR_MS;
    const until = q.until ?? Date.now();
    return { status: 200, body: await monitorModel(stores, checkName('name', params.name), { windowMs, since: q.since ?? until - DEFAULT_WINDOWS * windowMs + 1, until, ...(q.version ? { version: q.version } : {}), ...(q.referenceSince !== undefined ? { reference: { since: q.referenceSince, until: q.referenceUntil ?? until } } : {}) }) };
  });
  router.on(api.predictionLineage, async ({ params }) => ({ status: 200, body: await predictionLineage(stores, params.predictionId) }));
  router.on(api.replayModel, async ({ body }) => {
    const q = { since: body.since, until: body.until ?? Date.now() + 1, ...(body.limit ? { limit: body.limit } : {}) };
    const name = checkName('model', body.model);
    return { status: 200, body: body.challenger === 'shadow' ? await compareShadow(stores, name, q) : await replay(stores, name, body.challenger, q) };
  });
  router.on(api.postActuals, async ({ body }) => ({ status: 200, body: await recordActuals(stores, body.actuals) }));
}
