import { invalid } from '../../../core/errors.ts';
import { isObject } from '../../../core/json.ts';
import { checkName } from '../../../core/names.ts';
import type { MetadataStore, PredictionRecord } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { bodyObject, optInt, optString, pageOfQuery, queryObject } from './fields.ts';

const MAX_BATCH = 10_000;


/** One record of a POSTed batch, checked field by field. */
export function checkPredictionRecord(v: unknown, i: number): PredictionRecord {
  const at = `records[${i}]`;
  if (!isObject(v)) throw invalid(`${at} must be an object`);
  const str = (k: string, max: number) => {
    if (typeof v[k] !== 'string' || v[k].length === 0 || v[k].length > max) throw invalid(`${at}.${k} must be a non-empty string of at most ${max} characters`);
    return v[k];
  };
  const num = (k: string) => {
    if (typeof v[k] !== 'number' || !Number.isFinite(v[k]) || v[k] < 0) throw invalid(`${at}.${k} must be a number >= 0`);
    return v[k];
  };
  const id = str('id', 64);
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw invalid(`${at}.id may only hold letters, digits, "_" and "-"`);
  const f = v.features;
  if (!isObject(f) || !Array.isArray(f.columns) || !f.columns.every((c) => typeof c === 'string') || !Array.isArray(f.rows) || !f.rows.every((r) => Array.isArray(r) && r.length === (f.columns as unknown[]).length)) {
    throw invalid(`${at}.features must be {columns: [names], rows: [[values], ...]} with one value per column`);
  }
  if (!isObject(v.outputs)) throw invalid(`${at}.outputs must be an object`);
  if (v.shadow !== undefined && typeof v.shadow !== 'boolean') throw invalid(`${at}.shadow must be true or false`);
  return { id, model: checkName(`${at}.model`, str('model', 256)), version: str('version', 32), at: num('at'), latencyMs: num('latencyMs'), rows: f.rows.length, features: f as PredictionRecord['features'], outputs: v.outputs, shadow: v.shadow === true };
}

/** The prediction log: served models append here; monitoring reads it and actuals join it by id. */
export function predictionRoutes(router: Router, store: MetadataStore): void {
  router.add('GET', '/api/v1/predictions', async (req) => {
    const q = queryObject(req);
    const model = optString(q, 'model');
    const since = optInt(q, 'since', 0);
    return { status: 200, body: await store.predictions.list({ ...pageOfQuery(req), ...(model ? { model: checkName('model', model) } : {}), ...(since !== undefined ? { since } : {}) }) };
  }, { role: 'viewer', tag: 'monitoring', summary: 'Logged predictions, oldest first (?model=NAME, ?since=epoch ms)' });
  router.add('GET', '/api/v1/predictions/:predictionId', async (req) => ({ status: 200, body: await store.predictions.get(req.params.predictionId) }), { role: 'viewer', tag: 'monitoring', summary: 'One logged prediction by id' });
  router.add('POST', '/api/v1/predictions', async (req) => {
    const b = bodyObject(req);
    if (!Array.isArray(b.records) || b.records.length === 0 || b.records.length > MAX_BATCH) throw invalid(`records must be an array of 1 to ${MAX_BATCH} prediction records`);
    await store.predictions.append(b.records.map(checkPredictionRecord));
    return { status: 204 };
  }, { role: 'member', tag: 'monitoring', summary: 'Append prediction records (a repeated id is ignored)' });
  router.add('POST', '/api/v1/predictions/prune', async (req) => {
    const b = bodyObject(req);
    const model = optString(b, 'model');
    const rule = { ...(model !== undefined ? { model } : {}), ...optional('maxAgeMs', optInt(b, 'maxAgeMs', 0)), ...optional('maxRecords', optInt(b, 'maxRecords', 0)) };
    return { status: 200, body: { deleted: await store.predictions.prune(rule, { ...optional('limit', optInt(b, 'limit', 1)), ...optional('now', optInt(b, 'now', 0)) }) } };
  }, { role: 'admin', tag: 'monitoring', summary: 'Delete logged predictions past a retention rule (maxAgeMs, maxRecords, model), a bounded step at a time (limit batches; ages measured from now, default the server\'s clock)' });
}

function optional<K extends string>(key: K, v: number | undefined): { [k in K]?: number } {
  return (v === undefined ? {} : { [key]: v }) as { [k in K]?: number };
}
