import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openMetadataStore } from '../src/store/index.ts';
import { cliAsync, ROOT, TELCO, tempHome, writeTemp } from './helpers.ts';

const PENGUINS = join(ROOT, 'test', 'fixtures', 'penguins.csv');

interface AutomlDoc {
  task: string;
  metric: string;
  cv: { mean: number; folds: number[]; repeats: number };
  leaderboard: { id: number; learner: string; params: Record<string, unknown>; cv_mean: number | null; status: string; onnx: boolean }[];
  ensemble: { kept: boolean; note: string } | null;
  insights: { featureImpact: unknown[]; notes: string[] };
  onnx: { exportable: boolean; reason?: string };
  winner: string;
  model: { name: string; version: number } | null;
  guardrails: { dropped: { column: string }[] };
  run_id: string;
  pipeline_run_id: string;
  seconds: number;
}

describe('capstan automl', () => {
  it('the same seed gives the same leaderboard; every candidate is a child run; the winner is registered and predicts', async () => {
    const home = tempHome();
    const args = ['automl', PENGUINS, '--target', 'species', '--trials', '9', '--cv', '3', '--seed', '4', '--json'];
    const [a, b] = await Promise.all([cliAsync([...args, '--register', 'penguins'], home), cliAsync(args, tempHome())]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    const da = JSON.parse(a.stdout) as AutomlDoc;
    const db = JSON.parse(b.stdout) as AutomlDoc;
    const board = (d: AutomlDoc) => d.leaderboard.map((c) => [c.id, c.learner, JSON.stringify(c.params), c.cv_mean, c.status]);
    assert.deepEqual(board(da), board(db));
    assert.equal(da.leaderboard.length, 9);
    assert.equal(da.task, 'multiclass');
    assert.ok(da.cv.mean > 0.95, `penguins accuracy ${da.cv.mean}`);
    // 344 rows: the 3 folds are repeated 3 times by default, and the winner was scored on all 9
    assert.equal(da.cv.repeats, 3);
    assert.equal(da.cv.folds.length, 9);
    assert.deepEqual(new Set(da.leaderboard.map((c) => c.learner)), new Set(['gbdt', 'forest', 'linear', 'knn', 'bayes']), 'every learner\'s defaults are tried first');
    // the leaderboard says which candidates have no ONNX form
    for (const c of da.leaderboard) assert.equal(c.onnx, c.learner !== 'knn', c.learner);

    const s = await openMetadataStore(join(home, 'capstan.db'));
    const children = (await s.runs.search({ filter: `tags.capstan.parent_run = '${da.run_id}'`, limit: 100 })).items;
    assert.equal(children.length, 9);
    assert.deepEqual(new Set(children.map((c) => c.tags['capstan.blueprint'])), new Set(da.leaderboard.map((c) => c.learner)));
    const v = await s.models.getVersion('penguins', 1);
    // the version's run is the pipeline's (load -> automl -> register); the search's own run holds the candidates
    assert.equal(v.lineage.runId, da.pipeline_run_id);
    const art = await s.runs.getArtifact(da.run_id, 'insights.json');
    const insights = JSON.parse(readFileSync(join(home, 'artifacts', 'blobs', 'sha256', art.digest.slice(0, 2), art.digest), 'utf8')) as { featureImpact: { feature: string }[]; confusion: { classes: string[]; matrix: number[][] }; partialDependence: { feature: string; points: unknown[] }[] };
    assert.equal(insights.featureImpact.length, 7);
    assert.deepEqual(insights.confusion.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
    assert.equal(insights.confusion.matrix.flat().reduce((a, b) => a + b, 0), 344);
    assert.deepEqual(insights.partialDependence.map((p) => p.feature), insights.featureImpact.slice(0, 3).map((f) => f.feature));
    // the leaderboard is kept with the run, as the CLI printed it
    const kept = await s.runs.getArtifact(da.run_id, 'automl.json');
    assert.deepEqual(JSON.parse(readFileSync(join(home, 'artifacts', 'blobs', 'sha256', kept.digest.slice(0, 2), kept.digest), 'utf8')).leaderboard, da.leaderboard);
    await s.close();
    const scored = await cliAsync(['predict', '--model', 'penguins', '--input', PENGUINS, '--output', join(home, 'scored.csv')], home);
    assert.equal(scored.status, 0, scored.stderr);
  });

  // the +10% target is measured by bench/automl on a quiet machine; here, beside other tests, only a gross overrun fails
  it('stops the search by time and ends near the budget', async () => {
    const home = tempHome();
    const t0 = performance.now();
    const r = await cliAsync(['automl', TELCO, '--target', 'churn', '--budget', '10', '--json'], home);
    const wall = (performance.now() - t0) / 1000;
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout) as AutomlDoc;
    assert.ok(d.seconds <= 13, `command took ${d.seconds} s for a 10 s budget`);
    assert.ok(wall <= 15, `process took ${wall} s (command ${d.seconds} s + start-up)`);
    // how many candidates fit in 10 s depends on what else the machine runs (2 under CI's parallel tests); at least one must
    assert.ok(d.leaderboard.some((c) => c.status === 'complete'), JSON.stringify(d.leaderboard));
    assert.ok(d.cv.mean > 0.83, `telco roc_auc ${d.cv.mean}`);
    // the AutoML budget starves its own finish: the plan keeps time for feature impact. Whether the ensemble's refits still
    // fit depends on how fast this loaded machine turns out to be (the plan's estimate is measured, not promised): declining
    // them is the budget being kept, so only a stated reason is required here; bench/automl measures the plan on a quiet one
    assert.ok(d.insights.featureImpact.length > 0, `feature impact: ${d.insights.notes.join('; ')}`);
    if (d.ensemble) assert.ok(d.ensemble.note.length > 0, 'the ensemble decision is explained');
  });

  it('the AutoML winner often cannot be exported: --onnx-only searches exportable learners, and the winner (an ensemble too) exports', async () => {
    const home = tempHome();
    const r = await cliAsync(['automl', TELCO, '--target', 'churn', '--trials', '8', '--cv', '3', '--onnx-only', '--register', 'portable', '--json'], home);
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout) as AutomlDoc;
    assert.ok(d.leaderboard.every((c) => c.onnx && c.learner !== 'knn'), JSON.stringify(d.leaderboard.map((c) => c.learner)));
    assert.deepEqual(d.onnx, { exportable: true });
    const out = await cliAsync(['deploy', 'portable', '--target', 'onnx', '--out', join(home, 'onnx')], home);
    assert.equal(out.status, 0, out.stderr);
    const none = await cliAsync(['automl', TELCO, '--target', 'churn', '--learners', 'knn', '--onnx-only'], home);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /--onnx-only leaves no learner: knn do not export to ONNX/);
  });

  it('--task clustering picks k by silhouette (four separated groups give k=4), tracks every k and registers a model that predicts clusters', async () => {
    const home = tempHome();
    // four groups in two numeric columns and a categorical one that follows them, plus an id column the guardrails drop
    const lines = ['id,x,y,shade'];
    for (let i = 0; i < 400; i++) {
      const g = i % 4;
      const jitter = (k: number) => (((i * 7919 + k * 104729) % 1000) / 1000 - 0.5) * 1.5;
      lines.push(`${i + 1},${[0, 10, 0, 10][g] + jitter(1)},${[0, 0, 10, 10][g] + jitter(2)},${['a', 'b', 'c', 'd'][g]}`);
    }
    const file = writeTemp('groups.csv', lines.join('\n') + '\n');
    const r = await cliAsync(['automl', file, '--task', 'clustering', '--budget', '20', '--register', 'groups', '--json'], home);
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout) as AutomlDoc & { clusters: { rows: number }[] };
    assert.equal(d.task, 'clustering');
    assert.deepEqual(d.guardrails.dropped.map((x) => x.column), ['id']);
    assert.equal(d.leaderboard[0].params.n_clusters, 4);
    assert.ok(d.cv.mean > 0.7, `silhouette ${d.cv.mean}`);
    assert.deepEqual(d.clusters.map((c) => c.rows), [100, 100, 100, 100]);
    const s = await openMetadataStore(join(home, 'capstan.db'));
    const children = (await s.runs.search({ filter: `tags.capstan.parent_run = '${d.run_id}'`, limit: 100 })).items;
    assert.equal(children.length, d.leaderboard.length);
    await s.close();
    const out = join(home, 'clusters.csv');
    const p = await cliAsync(['predict', '--model', 'groups', '--input', file, '--output', out], home);
    assert.equal(p.status, 0, p.stderr);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(',')[0]);
    assert.equal(rows[0], 'prediction');
    // rows of one group share a cluster, and the four groups get four different clusters
    const byGroup = [0, 1, 2, 3].map((g) => new Set(rows.slice(1).filter((_, i) => i % 4 === g)));
    assert.ok(byGroup.every((set) => set.size === 1));
    assert.equal(new Set(byGroup.map((set) => [...set][0])).size, 4);
  });

  it('the SDK runs the same AutoML in-process against any stores, reporting progress through callbacks', async () => {
    const { openStores, runAutoml } = await import('../src/sdk/index.ts');
    const stores = await openStores(tempHome());
    const lines: string[] = [];
    const seen: number[] = [];
    try {
      const report = await runAutoml(PENGUINS, { target: 'species', task: 'auto', budget: 60, cv: 3, seed: 4, trials: 5, queue: 'capstan' }, { stores, actor: 'sdk-user', say: (l) => lines.push(l), onCandidate: (c) => seen.push(c.id) });
      assert.equal((report.leaderboard as unknown[]).length, 5);
      assert.deepEqual(seen, [0, 1, 2, 3, 4]);
      assert.match(lines[0], /penguins\.csv: 344 rows, task multiclass/);
      const run = await stores.metadata.runs.get(report.run_id);
      assert.equal(run.userId, 'sdk-user');
      assert.equal(run.status, 'FINISHED');
      await assert.rejects(runAutoml(PENGUINS, { task: 'auto', budget: 60, cv: 3, seed: 0, queue: 'capstan' }, { stores, actor: 'x' }), /--target is required/);
    } finally {
      await stores.metadata.close();
    }
  });

  it('bad arguments are clear errors', async () => {
    const home = tempHome();
    for (const [args, pattern] of [
      [['--metric', 'r2'], /--metric r2 does not apply to multiclass/],
      [['--budget', '0'], /--budget must be an integer from 1/],
      [['--learners', 'gbdt,nope'], /unknown learner "nope"/],
      [['--cv', '1'], /--cv must be an integer from 2/],
      [['--cv-repeats', '0'], /--cv-repeats must be an integer from 1/],
      [['--task', 'clustering', '--metric', 'accuracy'], /--task clustering searches k-means by silhouette: --redis, --metric/],
    ] as const) {
      const r = await cliAsync(['automl', PENGUINS, '--target', 'species', ...args], home);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, pattern);
    }
  });
});
