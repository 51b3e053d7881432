import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvCell } from '../core/csv.ts';
import { CapstanError, invalid } from '../core/errors.ts';
import { cellValue, takeRows, type Table } from '../core/table.ts';
import { readTable } from '../data/index.ts';
import { LEARNERS, predictTable } from '../learn/index.ts';
import { accuracyOf, evaluateAlerts, monitorModel, parseWindowLength, notifyPolicy, pairedComparison, parsePolicy, tableOfRecords, type MonitorPolicy, type PairedComparison, type RuleOutcome } from '../monitor/index.ts';
import { loadVersion } from '../registry/index.ts';
import { setTags, SERVED_ALIAS, type ModelVersion, type PolicyRecord, type Principal, type PredictionRecord, type Stores } from '../store/index.ts';
import { PipelineBuilder } from './define/builder.ts';
import { compileOrThrow } from './define/compile.ts';
import * as components from './components/index.ts';
import { runCompiledPipeline } from './engine/run.ts';

/** The model tag holding a running canary's state (tags are audited). */
export const CANARY_TAG = 'canary';
/** The model tag holding when the model was last retrained by its policy (a trigger counts from then). */
export const RETRAIN_TAG = 'retrained';
/** Who retrains: the challenger's author, so the policy's applier (someone else) can approve it. */
const RETRAINER: Principal = { name: 'capstan-retrain', role: 'member' };

export interface CanaryState {
  version: number;
  champion: number;
  startedAt: number;
  policyVersion: number;
  status: 'running' | 'promoted' | 'rolled-back';
  reason?: string;
}

export interface RetrainOutcome {
  model: string;
  runId: string;
  challenger: number;
  champion: number;
  comparison: PairedComparison;
  /** what was done: notified, approval asked, canary started, or kept the champion (not better beyond the noise) */
  decision: 'notified' | 'approval-requested' | 'canary-started' | 'kept-champion';
}

interface Labelled {
  table: Table;
  y: string[];
  served: (number[] | number)[];
  at: number[];
}

/** Production rows with actuals since `since`, oldest first: their logged features, the truth, and what was served. */
async function labelledRows(stores: Stores, model: string, inputs: Parameters<typeof tableOfRecords>[1], since: number): Promise<Labelled> {
  const actuals = await stores.metadata.monitor.actuals(model, { since, until: Date.now() + 1 });
  const records = new Map<string, PredictionRecord>();
  for (const a of actuals) if (!records.has(a.predictionId)) records.set(a.predictionId, await stores.metadata.predictions.get(a.predictionId));
  const list = [...records.values()];
  const table = tableOfRecords(list, inputs);
  const rowOf = new Map<string, number>();
  let n = 0;
  for (const r of list) for (let i = 0; i < r.rows; i++) rowOf.set(`${r.id}/${i}`, n++);
  const picked = actuals.filter((a) => rowOf.has(`${a.predictionId}/${a.row}`));
  return { table: takeRows(table, picked.map((a) => rowOf.get(`${a.predictionId}/${a.row}`)!)), y: picked.map((a) => String(a.actual)), served: picked.map((a) => a.output), at: picked.map((a) => a.predictedAt) };
}

function csvOf(tables: { table: Table; y: string[] }[], columns: string[], target: string): string {
  const lines = [[...columns, target].map(csvCell).join(',')];
  for (const { table, y } of tables) {
    const cols = columns.map((c) => table.columns.find((x) => x.name === c));
    for (let r = 0; r < table.rows; r++) lines.push([...cols.map((c) => (c ? cellValue(c, r) : null)), y[r]].map((v) => (v === null || v === undefined ? '' : csvCell(String(v)))).join(','));
  }
  return lines.join('\n') + '\n';
}

/** A bundle's learner parameters (kept under the learner's own keys) by the names users give them. */
function userParams(learner: string, params: Record<string, number | string>): Record<string, number | string> {
  const spec = (LEARNERS as Record<string, { params: { name: string; key: string }[] } | undefined>)[learner];
  if (!spec) throw invalid(`learner "${learner}" of the champion cannot be retrained here`);
  return Object.fromEntries(Object.entries(params).flatMap(([k, v]) => {
    const p = spec.params.find((x) => x.key === k);
    return p ? [[p.name, v]] : [];
  }));
}

async function champion(stores: Stores, model: string): Promise<ModelVersion> {
  try {
    return await stores.metadata.models.resolveAlias(model, SERVED_ALIAS);
  } catch (e) {
    if (!(e instanceof CapstanError && e.code === 'NOT_FOUND')) throw e;
    return stores.metadata.models.latestVersion(model);
  }
}

/**
 * Retrain a model by its policy: the champion's learner and parameters on the base data plus the labelled production rows
 * (the newest `holdout` share kept aside), as a pipeline run (load -> train -> register, the runs and lineage of any training);
 * then the challenger and the champion on the same held-out rows, with a paired bootstrap interval; then the policy's action,
 * taken only when the challenger is better beyond the noise. Every step is a run, an audit event or both.
 */
export async function retrainModel(stores: Stores, record: PolicyRecord, o: { reason: string; log?: (line: string) => void } = { reason: 'requested' }): Promise<RetrainOutcome> {
  const policy = parsePolicy(record.spec);
  const r = policy.retrain;
  if (!r) throw invalid(`the policy of ${policy.model} has no retrain section`);
  const champ = await champion(stores, policy.model);
  const loaded = await loadVersion(stores, champ);
  if (!loaded.model) throw invalid(`${policy.model}:${champ.version} is an imported ONNX model: Capstan cannot retrain it`);
  const m = loaded.manifest;
  const target = m.target.name;
  const inputs = m.signature.inputs;
  const labelled = await labelledRows(stores, policy.model, inputs, champ.createdAt);
  if (labelled.table.rows < 20) throw invalid(`${policy.model} has ${labelled.table.rows} labelled production rows since version ${champ.version}: at least 20 are needed to retrain and compare`);
  const cut = Math.floor(labelled.table.rows * (1 - r.holdout));
  const idx = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const fresh = { table: takeRows(labelled.table, idx(cut, labelled.table.rows)), y: labelled.y.slice(cut), served: labelled.served.slice(cut) };
  const extra = { table: takeRows(labelled.table, idx(0, cut)), y: labelled.y.slice(0, cut) };
  const parts: { table: Table; y: string[] }[] = [];
  if (r.data !== 'none') {
    let file = r.data;
    if (file === 'dataset') {
      const d = champ.lineage.datasets?.find((x) => x.role === 'training') ?? champ.lineage.datasets?.[0];
      if (!d) throw invalid(`${policy.model}:${champ.version} has no training dataset in its lineage: give retrain.data a file (or none)`);
      file = (await stores.metadata.datasets.get(d.name, d.version)).source;
    }
    const base = await readTable(file);
    const y = base.columns.find((c) => c.name === target);
    if (!y) throw invalid(`retrain data ${file} has no target column "${target}"`);
    parts.push({ table: base, y: Array.from({ length: base.rows }, (_, i) => String(cellValue(y, i) ?? '')) });
  }
  parts.push(extra);
  const dir = mkdtempSync(join(tmpdir(), 'capstan-retrain-'));
  try {
    const file = join(dir, `${policy.model}-retrain.csv`);
    writeFileSync(file, csvOf(parts, inputs.map((f) => f.name), target));
    const b = new PipelineBuilder(`retrain-${policy.model}`);
    const load = b.step('load', components.load, { path: file, role: 'training' });
    const fit = b.step('train', components.train, { data: load.outputs.data, target, task: m.task, learner: m.learner.name, params: userParams(m.learner.name, m.learner.params), seed: 0, testFraction: 0, folds: 0, dataset: load.outputs.dataset });
    b.step('register', components.register, { model: fit.outputs.model, name: policy.model });
    const result = await runCompiledPipeline(compileOrThrow(b.toSpec()), { stores, actor: RETRAINER, params: {}, baseDir: dir, noCache: true, experiment: 'retrain', onEvent: (e) => (e.kind === 'log' ? o.log?.(`${e.step}: ${e.line}`) : undefined) });
    const failed = result.steps.find((s) => s.status === 'FAILED');
    if (failed) throw new CapstanError(failed.code ?? 'INTERNAL', `retraining ${policy.model} failed at ${failed.name}: ${failed.reason}`);
    await setTags(stores.metadata.runs, result.runId, { 'capstan.retrain.policy': `${policy.model}@${record.version}`, 'capstan.retrain.reason': o.reason.slice(0, 500), 'capstan.retrain.champion': String(champ.version) });
    const version = Number((result.steps.find((s) => s.name === 'register')!.outputs as { version: number }).version);
    const challenger = await loadVersion(stores, await stores.metadata.models.getVersion(policy.model, version));
    // the same fresh rows: what the champion answered in production, what the challenger answers now
    const k = m.task === 'regression' ? 1 : m.target.classes!.length;
    const y = Float64Array.from(fresh.y, (v) => (m.task === 'regression' ? Number(v) : m.target.classes!.indexOf(v)));
    const keep = Array.from(y, (v, i) => (Number.isFinite(v) && v >= 0 && (typeof fresh.served[i] === 'number' ? k === 1 : (fresh.served[i] as number[]).length === k) ? i : -1)).filter((i) => i >= 0);
    const mine = predictTable(challenger.model!, takeRows(fresh.table, keep));
    const comparison = pairedComparison(m.target, Float64Array.from(keep, (i) => y[i]), Float64Array.from(keep.flatMap((i) => (typeof fresh.served[i] === 'number' ? [fresh.served[i] as number] : (fresh.served[i] as number[])))), Float64Array.from(mine.proba ?? mine.values!));
    const decision = await act(stores, policy, record, champ.version, version, comparison, result.runId);
    await stores.metadata.models.setModelTag(policy.model, RETRAIN_TAG, JSON.stringify({ at: Date.now(), runId: result.runId, champion: champ.version, challenger: version, decision, comparison }), RETRAINER.name);
    await notifyPolicy(policy, { event: 'retrain.challenger', model: policy.model, champion: champ.version, challenger: version, runId: result.runId, comparison, decision, reason: o.reason, at: Date.now() });
    return { model: policy.model, runId: result.runId, challenger: version, champion: champ.version, comparison, decision };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function act(stores: Stores, policy: MonitorPolicy, record: PolicyRecord, championVersion: number, version: number, c: PairedComparison, runId: string): Promise<RetrainOutcome['decision']> {
  const models = stores.metadata.models;
  if (!c.better) return 'kept-champion';
  const action = policy.retrain!.action;
  if (action === 'notify') return 'notified';
  if (action === 'approve') {
    await models.setAlias(policy.model, 'challenger', version, RETRAINER, `retrained by policy ${record.version} (run ${runId}): ${c.metric} ${c.delta >= 0 ? '+' : ''}${c.delta.toFixed(4)} on ${c.rows} fresh rows; approve it for ${SERVED_ALIAS} to promote`);
    return 'approval-requested';
  }
  const w = policy.retrain!.canary.weight;
  // serving a share of the traffic needs an approval for the champion alias: the policy's applier gave it in advance, by
  // applying a canary policy with these limits (recorded as an approval of theirs, audited)
  const applier: Principal = { name: record.createdBy, role: 'admin' };
  await models.approve({ name: policy.model, version, alias: SERVED_ALIAS, approver: applier, comment: `canary by policy ${record.version} (run ${runId}): ${c.metric} ${c.delta >= 0 ? '+' : ''}${c.delta.toFixed(4)} on ${c.rows} fresh rows, 95% interval ${c.interval[0].toFixed(4)} to ${c.interval[1].toFixed(4)}` });
  await models.setTraffic(policy.model, { routes: [{ alias: SERVED_ALIAS, weight: 100 - w }, { version, weight: w }] }, applier);
  const state: CanaryState = { version, champion: championVersion, startedAt: Date.now(), policyVersion: record.version, status: 'running' };
  await models.setModelTag(policy.model, CANARY_TAG, JSON.stringify(state), RETRAINER.name);
  return 'canary-started';
}

export interface CanaryOutcome {
  model: string;
  version: number;
  status: CanaryState['status'];
  reason: string;
  requests: number;
}

/**
 * Judge each running canary on what it has answered since it started: past a limit (error rate, p99 latency, the metric on its
 * labelled rows against the champion's on theirs) it rolls back at once (the traffic split removed); once it has answered
 * `requests` within the limits it is promoted: approved for the champion alias on behalf of the policy's applier (who set the
 * limits), the alias moved, the split removed. Both are audited and notified.
 */
export async function checkCanaries(stores: Stores, o: { log?: (line: string) => void } = {}): Promise<CanaryOutcome[]> {
  const out: CanaryOutcome[] = [];
  for (const record of await stores.metadata.monitor.listPolicies()) {
    const policy = parsePolicy(record.spec);
    if (!policy.retrain || policy.retrain.action !== 'canary') continue;
    const model = await stores.metadata.models.getModel(policy.model);
    const text = model.tags[CANARY_TAG];
    if (!text) continue;
    const state = JSON.parse(text) as CanaryState;
    if (state.status !== 'running') continue;
    const limits = policy.retrain.canary;
    const report = await monitorModel(stores, policy.model, { windowMs: 3_600_000, since: state.startedAt, until: Date.now() + 1 });
    const mine = report.versions.find((v) => v.version === String(state.version))?.total;
    const requests = mine?.health.requests ?? 0;
    let breach: string | null = null;
    if (mine && requests > 0) {
      if (mine.health.errorRate > limits.maxErrorRate) breach = `error rate ${(mine.health.errorRate * 100).toFixed(2)}% > ${(limits.maxErrorRate * 100).toFixed(2)}%`;
      else if ((mine.health.latencyMs.p99 ?? 0) > limits.maxLatencyP99Ms) breach = `p99 latency ${mine.health.latencyMs.p99} ms > ${limits.maxLatencyP99Ms} ms`;
      else {
        // accuracy on predictions answered since the canary started (exactly: windows are whole hours, actuals are not)
        const actuals = await stores.metadata.monitor.actuals(policy.model, { since: state.startedAt, until: Date.now() + 1 });
        const of = async (v: number) => {
          const mv = await loadVersion(stores, await stores.metadata.models.getVersion(policy.model, v));
          return accuracyOf(mv.manifest, actuals.filter((a) => a.version === String(v)), 0);
        };
        const [a, b] = [await of(state.version), await of(state.champion)];
        // the task's headline metric (every one is better higher)
        const metric = ['roc_auc', 'accuracy', 'r2'].find((k) => k in a.metrics);
        if (metric && a.labelled >= 10 && b.labelled >= 10 && a.metrics[metric] !== undefined && b.metrics[metric] !== undefined && b.metrics[metric] - a.metrics[metric] > limits.maxAccuracyDrop) {
          breach = `${metric} ${a.metrics[metric].toFixed(4)} vs the champion's ${b.metrics[metric].toFixed(4)} on the canary's labelled rows (${a.labelled} and ${b.labelled}; drop > ${limits.maxAccuracyDrop})`;
        }
      }
    }
    const applier: Principal = { name: record.createdBy, role: 'admin' };
    let next: CanaryState | null = null;
    if (breach) {
      await stores.metadata.models.setTraffic(policy.model, null, applier);
      next = { ...state, status: 'rolled-back', reason: breach };
    } else if (requests >= limits.requests) {
      await stores.metadata.models.setAlias(policy.model, SERVED_ALIAS, state.version, applier, `promoted after a canary of ${requests} requests`);
      await stores.metadata.models.setTraffic(policy.model, null, applier);
      next = { ...state, status: 'promoted', reason: `${requests} requests within the limits` };
    }
    if (next) {
      await stores.metadata.models.setModelTag(policy.model, CANARY_TAG, JSON.stringify(next), RETRAINER.name);
      o.log?.(`canary ${policy.model}:${state.version} ${next.status}: ${next.reason}`);
      await notifyPolicy(policy, { event: `canary.${next.status}`, model: policy.model, version: state.version, champion: state.champion, reason: next.reason, requests, at: Date.now() });
      out.push({ model: policy.model, version: state.version, status: next.status, reason: next.reason!, requests });
    } else out.push({ model: policy.model, version: state.version, status: 'running', reason: `${requests} of ${limits.requests} requests`, requests });
  }
  return out;
}

/**
 * One pass of the closed loop (the server runs it every minute; `capstan alerts check` once): alert rules, then retraining
 * where a policy's trigger is met (its alert started firing, or enough actuals since the champion) and no canary is running,
 * then the running canaries.
 */
export async function monitorPass(stores: Stores, o: { log?: (line: string) => void } = {}): Promise<{ alerts: RuleOutcome[]; retrained: RetrainOutcome[]; canaries: CanaryOutcome[] }> {
  const alerts = await evaluateAlerts(stores, { onError: o.log });
  const retrained: RetrainOutcome[] = [];
  for (const record of await stores.metadata.monitor.listPolicies()) {
    const reason = await retrainReason(stores, parsePolicy(record.spec), alerts, Date.now());
    if (!reason) continue;
    try {
      retrained.push(await retrainModel(stores, record, { reason, log: o.log }));
    } catch (e) {
      o.log?.(`retraining ${record.model} failed: ${(e as Error).message}`);
    }
  }
  return { alerts, retrained, canaries: await checkCanaries(stores, o) };
}

/**
 * Why a policy's model should be retrained at `now` (null: it should not): its alert is firing, its period has passed since
 * the champion's registration or the last retraining, or enough actuals arrived since then. Never while a canary runs.
 */
export async function retrainReason(stores: Stores, policy: MonitorPolicy, alerts: RuleOutcome[], now: number): Promise<string | null> {
  const r = policy.retrain;
  if (!r) return null;
  const model = await stores.metadata.models.getModel(policy.model).catch(() => null);
  if (!model) return null;
  const canary = model.tags[CANARY_TAG] ? (JSON.parse(model.tags[CANARY_TAG]) as CanaryState) : null;
  if (canary?.status === 'running') return null;
  if ('alert' in r.when) {
    const rule = r.when.alert;
    return alerts.some((a) => a.model === policy.model && a.rule === rule && a.state === 'firing') ? `alert ${rule} fired` : null;
  }
  const champ = await champion(stores, policy.model);
  const last = model.tags[RETRAIN_TAG] ? (JSON.parse(model.tags[RETRAIN_TAG]) as { at: number }).at : 0;
  const from = Math.max(champ.createdAt, last);
  if ('every' in r.when) {
    // a period: from the champion's registration or the last retraining, whichever is later
    return now - from >= parseWindowLength('retrain.when.every', r.when.every) ? `${r.when.every} since version ${champ.version}${last ? ' or the last retraining' : ''}` : null;
  }
  // actuals arrive for predictions of any age: counted by when they were received, since the champion or the last retraining
  const n = (await stores.metadata.monitor.actuals(policy.model, { since: champ.createdAt, until: now + 1 })).filter((a) => a.receivedAt > from).length;
  return n >= r.when.actuals ? `${n} actuals since version ${champ.version}` : null;
}
