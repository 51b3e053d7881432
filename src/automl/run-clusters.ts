import { invalid } from '../core/errors.ts';
import type { Table } from '../core/table.ts';
import { inferFeatures, type FileProfile } from '../data/index.ts';
import { trainModel } from '../learn/index.ts';
import { logMetrics, logParams } from '../store/index.ts';
import { CLUSTER_TARGET, clusterProfiles, searchClusters } from './cluster.ts';
import { guardrails } from './guardrails.ts';
import { formatScore } from './score.ts';
import type { AutomlContext, AutomlReport } from './request.ts';
import { keepWinner, putJsonArtifact, startAutomlRun } from './tracking.ts';

export interface ClusterRun {
  file: string;
  /** the file's name for messages */
  name: string;
  table: Table;
  profile: () => Promise<FileProfile>;
  /** a column to leave out of the clustering (a known label, kept for comparison) */
  exclude?: string;
  budget: number;
  seed: number;
  register?: string;
  elapsed: () => number;
}


/** `capstan automl FILE --task clustering`: k by silhouette, tracked like any AutoML run, the winner registrable. */
export async function runClusters(r: ClusterRun, ctx: AutomlContext): Promise<AutomlReport> {
  const say = ctx.say ?? (() => undefined);
  const name = r.name;
  if (r.exclude && !r.table.columns.some((c) => c.name === r.exclude)) throw invalid(`--target column "${r.exclude}" not found in ${name}`);
  const table: Table = { rows: r.table.rows, columns: r.table.columns.filter((c) => c.name !== r.exclude) };
  // the supervised guardrails with no target: constant and identifier-like columns go, duplicates are reported
  const g = guardrails({ spec: CLUSTER_TARGET, y: new Float64Array(table.rows), features: table, droppedMissingTarget: 0 }, inferFeatures(table, name), 2);
  say(`${name}: ${table.rows} rows, task clustering, choosing k by silhouette, budget ${r.budget} s${r.exclude ? ` (${r.exclude} left out)` : ''}`);
  for (const d of g.report.dropped) say(`  dropped ${d.column}: ${d.reason}`);
  for (const w of g.report.warnings) say(`  note: ${w}`);
  const s = ctx.stores;
  let parentId: string | null = null;
  try {
    const meta = s.metadata;
    const rec = await startAutomlRun(s, ctx, r.file, r.profile, { 'capstan.task': 'clustering' });
    const { parent } = rec;
    // a run this search opened is ended by it; a pipeline step's is ended by the pipeline
    if (rec.owned) parentId = parent.id;
    await logParams(meta.runs, parent.id, { metric: 'silhouette', budget: r.budget, seed: r.seed, 'guardrails.dropped': g.report.dropped.map((d) => d.column).join(','), ...(r.exclude ? { excluded: r.exclude } : {}) });
    const pending: Promise<unknown>[] = [];
    const result = await searchClusters(table, g.features, { seed: r.seed, budgetSeconds: r.budget * 0.85 - r.elapsed() }, (c) => {
      pending.push(
        (async () => {
          const child = await meta.runs.create({ experimentId: parent.experimentId, name: `kmeans-${c.id}`, userId: ctx.actor, tags: { 'capstan.parent_run': parent.id, 'capstan.blueprint': 'kmeans', 'capstan.status': c.status } });
          await logParams(meta.runs, child.id, { learner: 'kmeans', ...c.params });
          await logMetrics(meta.runs, child.id, { silhouette: c.cvMean, fit_seconds: c.fitSeconds });
          await meta.runs.update(child.id, { status: 'FINISHED' });
        })(),
      );
      say(`  k=${String(c.params.n_clusters).padEnd(3)} silhouette ${formatScore(c.cvMean)} (${c.fitSeconds.toFixed(2)} s)`);
    });
    await Promise.all(pending);
    const win = result.best;
    const fitStart = performance.now();
    const model = await trainModel(table, new Float64Array(table.rows), CLUSTER_TARGET, g.features, { learner: 'kmeans', params: win.params, seed: r.seed });
    const fitSeconds = (performance.now() - fitStart) / 1000;
    const profiles = clusterProfiles(model, table);
    const insights = { task: 'clustering', silhouette: result.candidates.map((c) => ({ k: c.params.n_clusters, silhouette: c.cvMean })), clusters: profiles };
    await putJsonArtifact(s, parent.id, 'insights.json', insights);
    await logParams(meta.runs, parent.id, { 'winner.learner': 'kmeans', 'winner.candidate': win.id, 'winner.n_clusters': win.params.n_clusters });
    await logMetrics(meta.runs, parent.id, { silhouette: win.cvMean, candidates: result.candidates.length });
    const version = await keepWinner(s, ctx, r.register, model, { silhouette: win.cvMean }, { features: table }, rec);
    if (rec.owned) await meta.runs.update(parent.id, { status: 'FINISHED' });
    const board = [...result.candidates].sort((a, b) => b.cvMean - a.cvMean || a.id - b.id);
    const doc = {
      task: 'clustering',
      target: null,
      metric: 'silhouette',
      cv: { mean: win.cvMean, std: 0, folds: win.foldScores },
      leaderboard: board.map((c) => ({ id: c.id, learner: c.learner, params: c.params, cv_mean: c.cvMean, cv_std: 0, folds: c.foldScores, fit_seconds: c.fitSeconds, status: c.status })),
      model: version ? { name: version.name, version: version.version, uri: `models:/${version.name}/${version.version}`, path: s.artifacts.locate(version.source) } : null,
      clusters: profiles,
      winner: 'kmeans',
      guardrails: g.report,
      run_id: parent.id,
      fit_seconds: fitSeconds,
      seconds: r.elapsed(),
    };
    say(`\nwinner: k=${win.params.n_clusters}, silhouette ${formatScore(win.cvMean)} (${result.candidates.length} values of k tried, ${r.elapsed().toFixed(1)} s)`);
    for (const p of profiles) say(`  cluster ${p.cluster}: ${p.rows} rows (${(p.share * 100).toFixed(1)}%)`);
    if (version) say(`registered ${version.name} version ${version.version}`);
    say(`run ${parent.id}; cluster profiles: artifact insights.json`);
    return doc;
  } catch (e) {
    if (parentId) await s.metadata.runs.update(parentId, { status: 'FAILED' }).catch(() => undefined);
    throw e;
  }
}
