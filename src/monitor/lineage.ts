import { orNullIfNotFound } from '../core/errors.ts';
import type { Alert, ModelVersion, Stores } from '../store/index.ts';

/** Everything a prediction traces back to, and what followed it, in one document. */
export interface PredictionLineage {
  prediction: { id: string; model: string; version: string; at: number; rows: number; latencyMs: number; shadow: boolean; outputs: Record<string, unknown> };
  /** the ground truth uploaded for its rows, if any */
  actuals: { row: number; actual: string | number; receivedAt: number }[];
  modelVersion: Pick<ModelVersion, 'name' | 'version' | 'digest' | 'source' | 'author' | 'createdAt' | 'metrics' | 'aliases' | 'task'> | null;
  /** the run that trained it: a pipeline run with its steps, or a plain run */
  trainingRun: { id: string; name: string; status: string; startedAt: number; endedAt: number | null; kind: string | null; params: Record<string, string>; metrics: Record<string, number>; steps: { name: string; status: string; runId: string }[] } | null;
  datasets: { name: string; version: number; role: string; contentHash: string | null; rows: number | null }[];
  /** forward: where the version is deployed now (aliases, the model's traffic routes and shadow) */
  deployment: { aliases: string[]; trafficWeight: number | null; shadow: boolean };
  /** forward: alerts on the model since the prediction, and versions registered after its own (retraining) */
  alertsSince: Pick<Alert, 'id' | 'rule' | 'status' | 'value' | 'firedAt'>[];
  laterVersions: { version: number; runId: string | null; createdAt: number; aliases: string[]; retrainedBy: string | null }[];
}


/**
 * A prediction's lineage: prediction -> model version -> training run (pipeline run and steps) -> dataset versions, and
 * forward to the deployment, the alerts and the retraining that followed. One call for the caller; the parts a store no
 * longer has (a deleted run) are null rather than an error.
 */
export async function predictionLineage(stores: Stores, id: string): Promise<PredictionLineage> {
  const meta = stores.metadata;
  const p = await meta.predictions.get(id);
  const number = Number(p.version);
  const v = Number.isInteger(number) ? await orNullIfNotFound(meta.models.getVersion(p.model, number)) : null;
  const run = v?.runId ? await orNullIfNotFound(meta.runs.get(v.runId)) : null;
  const steps = run ? await meta.runs.listSteps(run.id) : [];
  const stepRuns = run && steps.length ? (await meta.runs.search({ experimentIds: [run.experimentId], filter: `tags.mlflow.parentRunId = '${run.id}'`, limit: 1000 })).items : [];
  const linked = run ? await meta.runs.listDatasets(run.id) : [];
  const datasets = linked.length
    ? linked.map((d) => ({ name: d.name, version: d.version, role: d.role, contentHash: d.contentHash, rows: d.rows }))
    : (v?.lineage.datasets ?? []).map((d) => ({ name: d.name, version: d.version, role: d.role, contentHash: null, rows: null }));
  const model = v ? await orNullIfNotFound(meta.models.getModel(p.model)) : null;
  const traffic = model?.traffic ?? null;
  const picks = (pick: { version?: number; alias?: string }) => (pick.version !== undefined ? pick.version === number : v?.aliases.includes(pick.alias!) === true);
  const weight = traffic ? traffic.routes.filter((r) => picks(r as { version?: number; alias?: string })).reduce((a, r) => a + r.weight, 0) : null;
  const alerts = (await meta.monitor.listAlerts({ model: p.model })).filter((a) => a.firedAt >= p.at || a.status !== 'resolved');
  const later: PredictionLineage['laterVersions'] = [];
  if (v) {
    for (let n = v.version + 1; n <= (model?.latestVersion ?? v.version); n++) {
      const lv = await orNullIfNotFound(meta.models.getVersion(p.model, n));
      if (!lv) continue;
      const lr = lv.runId ? await orNullIfNotFound(meta.runs.get(lv.runId)) : null;
      later.push({ version: lv.version, runId: lv.runId, createdAt: lv.createdAt, aliases: lv.aliases, retrainedBy: lr?.tags['capstan.retrain.policy'] ?? null });
    }
  }
  const actuals = (await meta.monitor.actuals(p.model, { since: p.at, until: p.at + 1 })).filter((a) => a.predictionId === id).map((a) => ({ row: a.row, actual: a.actual, receivedAt: a.receivedAt }));
  return {
    prediction: { id: p.id, model: p.model, version: p.version, at: p.at, rows: p.rows, latencyMs: p.latencyMs, shadow: p.shadow, outputs: p.outputs },
    actuals,
    modelVersion: v ? { name: v.name, version: v.version, digest: v.digest, source: v.source, author: v.author, createdAt: v.createdAt, metrics: v.metrics, aliases: v.aliases, task: v.task } : null,
    trainingRun: run
      ? { id: run.id, name: run.name, status: run.status, startedAt: run.startedAt, endedAt: run.endedAt, kind: run.tags['capstan.kind'] ?? null, params: run.params, metrics: run.metrics, steps: steps.map((s) => ({ name: s.name, status: s.status, runId: stepRuns.find((r) => r.tags['capstan.step'] === s.name)?.id ?? s.runId })) }
      : null,
    datasets,
    deployment: { aliases: v?.aliases ?? [], trafficWeight: weight, shadow: traffic?.shadow ? picks(traffic.shadow as { version?: number; alias?: string }) : false },
    alertsSince: alerts.map((a) => ({ id: a.id, rule: a.rule, status: a.status, value: a.value, firedAt: a.firedAt })),
    laterVersions: later,
  };
}
