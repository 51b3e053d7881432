import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openMetadataStore } from '../src/store/index.ts';
import { cli, tempHome } from './helpers.ts';

describe('capstan quickstart --no-serve', () => {
  const home = tempHome();

  it('runs every stage as a pipeline of the built-in components, reaches ROC AUC >= 0.83 and records run, dataset and model', async () => {
    const r = cli(['quickstart', '--no-serve'], home);
    assert.equal(r.status, 0, r.stderr);
    for (const stage of ['load data', 'split train/test', 'train gbdt, evaluate on the test rows', 'register the model', 'alias it champion', 'check drift']) {
      assert.match(r.stdout, new RegExp(stage), `stage "${stage}" missing`);
    }
    assert.match(r.stdout, /drift per feature/);
    const s = await openMetadataStore(join(home, 'capstan.db'));
    const v = await s.models.resolveAlias('telco-churn', 'champion');
    assert.equal(v.version, 1);
    assert.ok(v.metrics.test_roc_auc >= 0.83, `test ROC AUC ${v.metrics.test_roc_auc}`);
    // the version's run is the pipeline's: its steps, the dataset its load step registered, and its steps' params and metrics
    const run = await s.runs.get(v.runId!);
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.tags['capstan.kind'], 'pipeline');
    assert.equal(run.params['split.kind'], 'stratified');
    assert.equal(run.metrics.test_roc_auc, v.metrics.test_roc_auc);
    const datasets = await s.runs.listDatasets(run.id);
    assert.match(datasets[0].contentHash, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual((await s.runs.listSteps(run.id)).map((x) => [x.name, x.status]), ['load', 'split', 'train', 'register', 'champion'].map((n) => [n, 'SUCCEEDED']));
    // the split and the model's test score are pinned: a change to either is one to make on purpose (0.8426 until the GBDT's
    // safeguards for categoricals of many levels, session 17; 0.8421 until the binary gradients' own exp and the split search's
    // division-free comparison, session 23)
    assert.match(r.stdout, /5634 train rows, 1409 test rows/);
    assert.equal(v.metrics.test_roc_auc.toFixed(4), '0.8420');
    await s.close();
  });

  it('a second run adds version 2 and leaves version 1 intact', async () => {
    const s0 = await openMetadataStore(join(home, 'capstan.db'));
    const v1 = await s0.models.getVersion('telco-churn', 1);
    await s0.close();
    const r = cli(['quickstart', '--no-serve'], home);
    assert.equal(r.status, 0, r.stderr);
    const s = await openMetadataStore(join(home, 'capstan.db'));
    assert.equal((await s.models.resolveAlias('telco-churn', 'champion')).version, 2);
    assert.deepEqual(await s.models.getVersion('telco-churn', 1), { ...v1, aliases: [] });
    // same file, same content: the dataset version is reused
    const runs = (await s.runs.search({ experimentIds: [(await s.experiments.getByName('quickstart')).id], filter: "tags.capstan.kind = 'pipeline'" })).items;
    assert.equal(runs.length, 2);
    const ds = await Promise.all(runs.map((x) => s.runs.listDatasets(x.id)));
    assert.equal(new Set(ds.map((d) => d[0].id)).size, 1);
    await s.close();
    const m = cli(['models', 'list', '--json'], home);
    assert.equal(JSON.parse(m.stdout).models[0].latestVersion, 2);
  });
});
