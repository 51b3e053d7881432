import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { invalid } from '../core/errors.ts';
import type { Task } from '../core/schema.ts';
import { cvFolds, inferFeatures, prepareTarget, readProfiled, readTable, type FileProfile } from '../data/index.ts';
import type { Table } from '../core/table.ts';
import { ensembleModel, LEARNERS, primaryMetric, trainModel, type TabularModel } from '../learn/index.ts';
import { onnxBlocker, ONNX_LEARNERS } from '../onnx/index.ts';
import { checkQueueName, checkRedisUrl, openWorkQueue } from '../queue/index.ts';
import { logMetrics, logParams } from '../store/index.ts';
import { greedyEnsemble } from './ensemble.ts';
import { guardrails } from './guardrails.ts';
import { bundlePredictionRows } from '../registry/index.ts';
import { finalPredictSeconds, IMPACT_ROWS, insightSeconds, MIN_IMPACT_ROWS, modelInsights } from './insights.ts';
import { remoteEvaluator } from './remote.ts';
import { threadEvaluator } from './thread-evaluator.ts';
import { runClusters } from './run-clusters.ts';
import { formatScore, METRICS } from './score.ts';
import { searchModels, type Candidate } from './search.ts';
import { AUTOML_TASKS, type AutomlContext, type AutomlReport, type AutomlRequest } from './request.ts';

export { AUTOML_TASKS, type AutomlContext, type AutomlReport, type AutomlRequest };
import { keepWinner, putJsonArtifact, startAutomlRun } from './tracking.ts';

/** Seconds kept for what does not scale with fit times: recording, registration, the report. */
const FIXED_FINISH = 1;
/** Up to this many rows the folds are repeated by default: one split's noise can otherwise pick the winner. */
const SMALL_DATA_ROWS = 2000;
const SMALL_DATA_REPEATS = 3;

/** Seconds to fit a candidate on all rows: its mean fold fit, scaled from a fold's training rows to all of them. */
function refitSeconds(c: Candidate, folds: number): number {
  return (c.fitSeconds / c.foldScores.length) * (folds / (folds - 1));
}

/**
 * What the run needs after the search, with the margins the decisions after it use: refitting an ensemble's members on all
 * rows (x1.2: the ensemble's members are chosen among those whose refits fit) and the insights (their predictions, and for
 * a single model the feature-impact refit on one fold: an ensemble's is dropped first when time is short, see
 * insightPlan). The plan keeps time for as many candidates (4, 2, else 1) as fit in a third of the budget, the best of
 * each learner first, as the ensemble blends families: the search is worth more than an ensemble it would starve. (The
 * ensemble may still take other members, cheap ones, when their refits fit in what is actually left.)
 */
function finishSeconds(ranked: Candidate[], folds: number, budget: number, insights: (members: Candidate[], refit: boolean) => number): number {
  if (ranked.length === 0) return 0;
  const seen = new Set<string>();
  const firsts: Candidate[] = [];
  for (const c of ranked) {
    if (firsts.length === 4) break;
    if (seen.has(c.learner)) continue;
    seen.add(c.learner);
    firsts.push(c);
  }
  const top = [...firsts, ...ranked.slice(0, 4).filter((c) => !firsts.includes(c))];
  const plan = (cs: Candidate[]) => 1.2 * cs.reduce((a, c) => a + refitSeconds(c, folds), 0) + insights(cs, cs.length === 1);
  for (const k of [4, 2]) if (top.length >= k && plan(top.slice(0, k)) <= budget / 3) return plan(top.slice(0, k));
  return plan(ranked.slice(0, 1));
}

/**
 * Search learners and hyperparameters for FILE within a budget, track every candidate as a child run, refit the winner (or
 * an ensemble that beats it) on all rows, store insights, register it when asked; the same for `capstan automl` and the SDK.
 * @example
 * const report = await runAutoml('telco.csv', { target: 'churn', task: 'auto', budget: 60, cv: 5, seed: 0, queue: 'capstan' }, { stores, actor: 'me' });
 */
export async function runAutoml(file: string, o: AutomlRequest, ctx: AutomlContext): Promise<AutomlReport> {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const { budget, seed, trials } = o;
  let learners = o.learners;
  if (o.onnxOnly) {
    learners = (learners ?? Object.keys(LEARNERS)).filter((l) => ONNX_LEARNERS.includes(l));
    if (learners.length === 0) throw invalid(`--onnx-only leaves no learner: ${o.learners!.join(', ')} do not export to ONNX (${ONNX_LEARNERS.join(', ')} do)`);
  }
  const k = o.cv;
  // the final fit may not run past the budget either (it then keeps the trees it has)
  const deadline = () => Date.now() + Math.max(1, budget - elapsed()) * 1000;
  if (!AUTOML_TASKS.includes(o.task)) throw invalid(`--task must be one of ${AUTOML_TASKS.join(', ')}, got "${o.task}"`);
  if (o.target === undefined && o.task !== 'clustering') throw invalid('--target is required (the column to predict), except with --task clustering');
  if (o.task === 'clustering' && (o.redis || o.metric || o.learners || o.trials || o.cvRepeats)) throw invalid('--task clustering searches k-means by silhouette: --redis, --metric, --learners, --trials and --cv-repeats do not apply');
  if (o.cvRepeats !== undefined && !(Number.isInteger(o.cvRepeats) && o.cvRepeats >= 1 && o.cvRepeats <= 10)) throw invalid(`--cv-repeats must be an integer from 1 to 10, got ${o.cvRepeats}`);
  if (o.redis) checkRedisUrl(o.redis);
  checkQueueName(o.queue);
  const say = ctx.say ?? (() => undefined);

  const name = ctx.fileName ?? basename(file);
  // the profile goes with a dataset registration, which a pipeline's load step has done already
  let profile: FileProfile | null = null;
  let table: Table;
  if (ctx.record) table = await readTable(file, { formatName: name });
  else {
    const read = await readProfiled(file, { formatName: name }, { table: true });
    [table, profile] = [read.table!, read.profile];
  }
  const profiled = async () => profile!;
  if (o.task === 'clustering') return runClusters({ file, name, table, profile: profiled, exclude: o.target, budget, seed, register: o.register, elapsed }, ctx);
  const t = prepareTarget(table, o.target!, o.task as Task | 'auto', name);
  const metric = o.metric ?? primaryMetric(t.spec.task);
  if (!METRICS[metric]) throw invalid(`--metric must be one of ${Object.keys(METRICS).join(', ')}, got "${metric}"`);
  const g = guardrails(t, inferFeatures(t.features, name), k);
  const repeats = o.cvRepeats ?? (t.features.rows <= SMALL_DATA_ROWS ? SMALL_DATA_REPEATS : 1);
  say(`${name}: ${t.features.rows} rows, task ${t.spec.task}, optimising ${metric} with ${g.report.folds}-fold cross-validation${repeats > 1 ? ` repeated ${repeats} times` : ''}, budget ${budget} s`);
  for (const d of g.report.dropped) say(`  dropped ${d.column}: ${d.reason}`);
  for (const w of g.report.warnings) say(`  note: ${w}`);

  const folds = cvFolds(t, g.report.folds, seed, { kind: 'kfold', repeats });
  const problem = { t, features: g.features, folds, metric, seed };
  // workers are checked before anything is recorded: no run is left behind by a missing worker
  const queue = o.redis ? await openWorkQueue(o.redis, o.queue) : null;
  const remote = queue
    ? await remoteEvaluator(queue, problem, `automl-${randomUUID()}`, budget + 3_600, o.queue).catch(async (e: unknown) => {
        await queue.close();
        throw e;
      })
    : null;
  // without workers, a time-budgeted search fits folds on a thread per core; a fixed number of trials stays on this thread,
  // so that its leaderboard depends on the seed alone (not on the machine's core count)
  const cores = availableParallelism();
  const local = !remote && trials === undefined && cores > 1 ? threadEvaluator(problem, cores) : null;
  const s = ctx.stores;
  let parentId: string | null = null;
  try {
    const meta = s.metadata;
    const rec = await startAutomlRun(s, ctx, file, profiled, {});
    const { parent } = rec;
    // a run this search opened is ended by it; a pipeline step's is ended by the pipeline
    if (rec.owned) parentId = parent.id;
    await logParams(meta.runs, parent.id, { metric, budget, 'cv.folds': g.report.folds, 'cv.repeats': repeats, 'cv.seed': seed, ...(trials ? { trials } : {}), 'guardrails.dropped': g.report.dropped.map((d) => d.column).join(',') });

    if (remote) {
      say(`  fanning candidates out to ${remote.workers} worker${remote.workers === 1 ? '' : 's'} on ${o.redis} (queue ${o.queue})`);
      await logParams(meta.runs, parent.id, { 'distributed.workers': remote.workers });
    }
    const record = async (c: Candidate) => {
      const child = await meta.runs.create({ experimentId: parent.experimentId, name: `${c.learner}-${c.id}`, userId: ctx.actor, tags: { 'capstan.parent_run': parent.id, 'capstan.blueprint': c.learner, 'capstan.status': c.status, ...(c.note ? { 'capstan.note': c.note.slice(0, 500) } : {}) } });
      await logParams(meta.runs, child.id, { learner: c.learner, ...c.params });
      for (let f = 0; f < c.foldScores.length; f++) await logMetrics(meta.runs, child.id, { [`cv_${metric}`]: c.foldScores[f] }, f);
      if (c.foldScores.length) await logMetrics(meta.runs, child.id, { [`cv_${metric}_mean`]: c.cvMean, [`cv_${metric}_std`]: c.cvStd, fit_seconds: c.fitSeconds });
      await meta.runs.update(child.id, { status: c.status === 'failed' ? 'FAILED' : 'FINISHED' });
    };
    const pending: Promise<void>[] = [];
    // the budget plan: the search stops in time for what follows it, estimated from the fit times it measured: refitting an
    // ensemble of the best few on all rows, the held-out refit behind feature impact, registration
    // after the refits: the insights (the plan keeps time for them in full, an ensemble's members are chosen so that they fit
    // on the fewest rows without their refit) and the model bundle's predictions (its output baseline and importance)
    const bundleRows = bundlePredictionRows(t.features.rows, g.features.length);
    const insightsCost = (members: Candidate[], rows = IMPACT_ROWS, refit = true) => insightSeconds(members, g.features.length, Math.min(rows, folds[0].test.length), refit) + finalPredictSeconds(members, bundleRows);
    const finish = (ranked: Candidate[]) => finishSeconds(ranked, g.report.folds, budget, (members, refit) => insightsCost(members, IMPACT_ROWS, refit));
    const result = await searchModels(problem, { budgetSeconds: budget - elapsed() - FIXED_FINISH, trials, learners, finish, ...(remote ? { evaluator: remote } : local ? { evaluator: local } : {}) }, (c, state) => {
      pending.push(record(c));
      if (ctx.onCandidate) ctx.onCandidate(c, state, elapsed());
      else say(`  ${c.learner.padEnd(7)} ${c.status.padEnd(8)} ${metric} ${formatScore(c.cvMean)} +- ${formatScore(c.cvStd)} (${c.foldScores.length} folds, ${c.fitSeconds.toFixed(2)} s)`);
    });
    await Promise.all(pending);
    await local?.close();

    const win = result.best;
    const sign = result.higher ? 1 : -1;
    // an ensemble of the kept candidates (the best overall and the best of each learner), chosen among those whose refits
    // on all rows and the insights' predictions (on the fewest rows, without their held-out refit) fit in what is left of
    // the budget; kept when it beats the best single model out of fold
    const byId = new Map(result.candidates.map((c) => [c.id, c]));
    const refitOf = (c: Candidate) => refitSeconds(c, g.report.folds);
    const memberCost = (id: number) => {
      const c = byId.get(id)!;
      // its share of the insights: what they cost with it, less their fixed part (counted once, in the limit)
      return 1.2 * refitOf(c) + insightsCost([c], MIN_IMPACT_ROWS, false) - insightsCost([], MIN_IMPACT_ROWS, false);
    };
    let ensemble: { members: { id: number; weight: number }[]; oof_score: number; best_single_oof_score: number; kept: boolean; note: string } | null = null;
    if (result.oof.size >= 2) {
      const limit = trials === undefined ? budget - elapsed() - insightsCost([], MIN_IMPACT_ROWS, false) : Infinity;
      const choice = greedyEnsemble(result.oof, t.y, t.spec.task, metric, t.spec.classes?.length ?? 1, sign, { of: memberCost, limit });
      const members = [...choice.weights].map(([id, weight]) => ({ id, weight }));
      const better = sign * (choice.score - choice.bestSingle) > 1e-4 && members.length > 1;
      const limited = choice.limited ? ' (among the candidates whose refits the budget left time for)' : '';
      ensemble =
        members.length === 0
          ? { members, oof_score: choice.bestSingle, best_single_oof_score: choice.bestSingle, kept: false, note: 'not tried: refitting any candidate beside the winner would exceed the budget' }
          : { members, oof_score: choice.score, best_single_oof_score: choice.bestSingle, kept: better, note: (better ? 'beats the best single model out of fold' : 'no better than the best single model') + limited };
    }
    const fitStart = performance.now();
    let model: TabularModel;
    if (ensemble?.kept) {
      const members: { weight: number; model: TabularModel }[] = [];
      for (const m of ensemble.members) {
        const c = byId.get(m.id)!;
        members.push({ weight: m.weight, model: await trainModel(t.features, t.y, t.spec, g.features, { learner: c.learner, params: c.params, seed, threads: cores, ...(trials === undefined ? { deadline: deadline() } : {}) }) });
      }
      model = ensembleModel(members);
    } else model = await trainModel(t.features, t.y, t.spec, g.features, { learner: win.learner, params: win.params, seed, threads: cores, ...(trials === undefined ? { deadline: deadline() } : {}) });
    const fitSeconds = (performance.now() - fitStart) / 1000;
    const finalMembers = ensemble?.kept ? ensemble.members.map((m) => byId.get(m.id)!) : [win];
    // the insights get what is left once the bundle's predictions are kept back
    const insights = await modelInsights({ t, features: g.features, folds, model, win, ensemble: ensemble?.kept ? ensemble.members : null, byId, oof: result.oof, metric, sign, seed, timeLeft: () => budget - elapsed() - finalPredictSeconds(finalMembers, bundleRows) });
    await putJsonArtifact(s, parent.id, 'insights.json', insights);
    if (ensemble) await logMetrics(meta.runs, parent.id, { [`oof_${metric}_ensemble`]: ensemble.oof_score, [`oof_${metric}_best_single`]: ensemble.best_single_oof_score });
    await logParams(meta.runs, parent.id, { 'winner.learner': win.learner, 'winner.candidate': win.id });
    await logMetrics(meta.runs, parent.id, { [`cv_${metric}_mean`]: win.cvMean, [`cv_${metric}_std`]: win.cvStd, candidates: result.candidates.length });
    const version = await keepWinner(s, ctx, o.register, model, { [`cv_${metric}_mean`]: win.cvMean }, { features: t.features, labels: t.y }, rec);
    if (rec.owned) await meta.runs.update(parent.id, { status: 'FINISHED' });

    const onnxWhy = onnxBlocker(model);
    const exportable = (learner: string) => ONNX_LEARNERS.includes(learner) && !g.features.some((f) => f.kind === 'numeric' && f.datetime);
    const board = [...result.candidates].sort((a, b) => Number(b.status === 'complete') - Number(a.status === 'complete') || sign * (b.cvMean - a.cvMean) || a.id - b.id);
    const doc = {
      task: t.spec.task,
      target: o.target,
      metric,
      cv: { mean: win.cvMean, std: win.cvStd, folds: win.foldScores, repeats },
      leaderboard: board.map((c) => ({ id: c.id, learner: c.learner, params: c.params, cv_mean: Number.isFinite(c.cvMean) ? c.cvMean : null, cv_std: Number.isFinite(c.cvStd) ? c.cvStd : null, folds: c.foldScores, fit_seconds: c.fitSeconds, status: c.status, onnx: exportable(c.learner), ...(c.note ? { note: c.note } : {}) })),
      model: version ? { name: version.name, version: version.version, uri: `models:/${version.name}/${version.version}`, path: s.artifacts.locate(version.source) } : null,
      ensemble,
      insights: { artifact: 'insights.json', featureImpact: insights.featureImpact.slice(0, 10), notes: insights.notes },
      winner: ensemble?.kept ? 'ensemble' : win.learner,
      onnx: onnxWhy === null ? { exportable: true } : { exportable: false, reason: onnxWhy },
      guardrails: g.report,
      run_id: parent.id,
      fit_seconds: fitSeconds,
      seconds: elapsed(),
    };
    // the leaderboard kept with the run (the web UI's AutoML page reads it)
    await putJsonArtifact(s, parent.id, 'automl.json', doc);
    say(`\nleaderboard (${result.candidates.length} candidates, ${elapsed().toFixed(1)} s):`);
    for (const c of board.slice(0, 10)) say(`  ${String(c.id).padStart(3)} ${c.learner.padEnd(7)} ${c.status.padEnd(8)} ${formatScore(c.cvMean)} +- ${formatScore(c.cvStd)}${exportable(c.learner) ? '' : '  (no ONNX form)'}  ${JSON.stringify(c.params)}`);
    if (ensemble) say(`ensemble of ${ensemble.members.map((m) => `${byId.get(m.id)!.learner}#${m.id} x${m.weight.toFixed(2)}`).join(' + ')}: out-of-fold ${metric} ${formatScore(ensemble.oof_score)} vs best single ${formatScore(ensemble.best_single_oof_score)}; ${ensemble.kept ? 'kept' : 'not kept'} (${ensemble.note})`);
    say(`winner: ${ensemble?.kept ? 'the ensemble' : `${win.learner} (candidate ${win.id}), ${metric} ${formatScore(win.cvMean)}`}; refit on all rows in ${fitSeconds.toFixed(2)} s`);
    if (onnxWhy !== null) say(`  note: the winner has no ONNX form (${onnxWhy}); --onnx-only searches only learners that export`);
    if (insights.featureImpact.length) say(`feature impact (permutation, held-out fold): ${insights.featureImpact.slice(0, 6).map((f) => `${f.feature} ${(f.normalized * 100).toFixed(0)}%`).join(', ')}`);
    for (const n of insights.notes) say(`  note: ${n}`);
    say(`insights (curves, lift, calibration or residuals, partial dependence): artifact insights.json of run ${parent.id}`);
    if (version) say(`registered ${version.name} version ${version.version}`);
    say(`run ${parent.id} (capstan runs list --filter "tags.capstan.parent_run = '${parent.id}'")`);
    return doc;
  } catch (e) {
    if (parentId) await s.metadata.runs.update(parentId, { status: 'FAILED' }).catch(() => undefined);
    throw e;
  } finally {
    await local?.close().catch(() => undefined);
    await remote?.close().catch(() => undefined);
    await queue?.close().catch(() => undefined);
  }
}
