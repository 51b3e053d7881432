import { basename } from 'node:path';
import type { Table } from '../core/table.ts';
import { datasetNameOf, registerDataset, type FileProfile } from '../data/index.ts';
import type { TabularModel } from '../learn/index.ts';
import { buildBaseline } from '../stats/index.ts';
import { encodeBundle, registerModel } from '../registry/index.ts';
import { putRunArtifact, setTags, type DatasetVersion, type ModelVersion, type Run, type Stores } from '../store/index.ts';

/** What every AutoML run records the same way, supervised or clustering. */
export interface AutomlRecord {
  parent: Run;
  dataset: DatasetVersion;
}

/** The parent run of a search, with the file registered as a dataset version and linked as its training data. */
export async function startAutomlRun(stores: Stores, actor: string, file: string, profile: FileProfile, tags: Record<string, string>): Promise<AutomlRecord> {
  const meta = stores.metadata;
  const parent = await meta.runs.create({ experiment: 'automl', name: `automl-${basename(file)}-${new Date().toISOString()}`, userId: actor, tags: { 'capstan.kind': 'automl', ...tags } });
  const dataset = await registerDataset(meta, file, datasetNameOf(file), profile);
  await meta.runs.linkDataset(parent.id, dataset.id, 'training');
  return { parent, dataset };
}

/** A JSON document as an artifact of the run (content-addressed blob). */
export async function putJsonArtifact(stores: Stores, runId: string, path: string, value: unknown): Promise<void> {
  await putRunArtifact(stores, runId, path, JSON.stringify(value));
}

/** Register the winner with its metrics, drift baseline (from the training rows) and lineage; tag the run with the version. */
export async function registerWinner(stores: Stores, actor: string, name: string, model: TabularModel, metrics: Record<string, number>, training: Table, r: AutomlRecord): Promise<ModelVersion> {
  const { parent, dataset } = r;
  const bundle = encodeBundle(model, { metrics, baseline: buildBaseline(training, model.features), lineage: { runId: parent.id, datasets: [{ name: dataset.name, contentHash: dataset.contentHash, rows: dataset.rows }] } });
  const version = await registerModel(stores, name, bundle, parent.id, actor);
  await setTags(stores.metadata.runs, parent.id, { 'model.name': version.name, 'model.version': String(version.version) });
  return version;
}
