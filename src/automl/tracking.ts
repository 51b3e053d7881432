import { basename } from 'node:path';
import type { Table } from '../core/table.ts';
import { datasetNameOf, registerDataset, type FileProfile } from '../data/index.ts';
import type { TabularModel } from '../learn/index.ts';
import { encodeBundle, registerModel } from '../registry/index.ts';
import { putRunArtifact, setTags, type DatasetVersion, type ModelVersion, type Run, type Stores } from '../store/index.ts';
import type { AutomlContext } from './request.ts';

/** What every AutoML run records the same way, supervised or clustering. */
export interface AutomlRecord {
  parent: Run;
  /** the data's dataset version (null: a pipeline step given a file that no load step registered) */
  dataset: DatasetVersion | null;
  /** the run belongs to someone else (a pipeline step), who ends it */
  owned: boolean;
}

/**
 * The parent run of a search: the run given (a pipeline's automl step, whose load step registered the data), else a new run
 * in experiment automl with the file registered as a dataset version and linked as its training data.
 */
export async function startAutomlRun(stores: Stores, ctx: AutomlContext, file: string, profile: () => Promise<FileProfile>, tags: Record<string, string>): Promise<AutomlRecord> {
  const meta = stores.metadata;
  if (ctx.record) {
    await setTags(meta.runs, ctx.record.run.id, { 'capstan.kind': 'automl', ...tags });
    return { parent: ctx.record.run, dataset: ctx.record.dataset, owned: false };
  }
  const actor = ctx.actor;
  const parent = await meta.runs.create({ experiment: 'automl', name: `automl-${basename(file)}-${new Date().toISOString()}`, userId: actor, tags: { 'capstan.kind': 'automl', ...tags } });
  const dataset = await registerDataset(meta, file, datasetNameOf(file), await profile());
  await meta.runs.linkDataset(parent.id, dataset.id, 'training');
  return { parent, dataset, owned: true };
}

/** A JSON document as an artifact of the run (content-addressed blob). */
export async function putJsonArtifact(stores: Stores, runId: string, path: string, value: unknown): Promise<void> {
  await putRunArtifact(stores, runId, path, JSON.stringify(value));
}

/**
 * The winner as a bundle (metrics, drift baseline from the training rows, lineage), handed to `ctx.saveModel` (a pipeline
 * step passes it on) and registered when `name` is given, the run tagged with the version.
 */
export async function keepWinner(stores: Stores, ctx: AutomlContext, name: string | undefined, model: TabularModel, metrics: Record<string, number>, training: { features: Table; labels?: Float64Array }, r: AutomlRecord): Promise<ModelVersion | null> {
  const { parent, dataset } = r;
  const bundle = encodeBundle(model, { metrics, training: training.features, labels: training.labels, lineage: { runId: parent.id, ...(dataset ? { datasets: [{ name: dataset.name, contentHash: dataset.contentHash, rows: dataset.rows }] } : {}) } });
  await ctx.saveModel?.(bundle);
  if (name === undefined) return null;
  const version = await registerModel(stores, name, bundle, parent.id, ctx.actor);
  await setTags(stores.metadata.runs, parent.id, { 'model.name': version.name, 'model.version': String(version.version) });
  return version;
}
