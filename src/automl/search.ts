import { invalid } from '../core/errors.ts';
import { Rng } from '../core/random.ts';
import type { FeatureSpec, Task } from '../core/schema.ts';
import { takeRows } from '../core/table.ts';
import type { PreparedTarget } from '../data/index.ts';
import { getLearner, predictionOutput, predictTable, takeValues, trainModel } from '../learn/index.ts';
import { accuracy, balancedAccuracy, logLoss, mae, perClass, prAuc, r2, rmse, rocAuc } from '../learn/metrics/index.ts';
import { CostModel, type Shape } from './cost.ts';
import { BLUEPRINTS, type Blueprint, type Params } from './space.ts';
import { suggest, type Scored } from './tpe.ts';

/** Metrics AutoML can optimise, and whether higher is better. */
export const METRICS: Record<string, { tasks: Task[]; higher: boolean }> = {
  roc_auc: { tasks: ['binary'], higher: true },
  pr_auc: { tasks: ['binary'], higher: true },
  f1: { tasks: ['binary'], higher: true },
  accuracy: { tasks: ['binary', 'multiclass'], higher: true },
  balanced_accuracy: { tasks: ['binary', 'multiclass'], higher: true },
  f1_macro: { tasks: ['multiclass'], higher: true },
  log_loss: { tasks: ['binary', 'multiclass'], higher: false },
  r2: { tasks: ['regression'], higher: true },
  rmse: { tasks: ['regression'], higher: false },
  mae: { tasks: ['regression'], higher: false },
};

export interface Candidate {
  id: number;
  learner: string;
  params: Params;
  /** the scores of the folds it was evaluated on (all folds unless pruned) */
  foldScores: number[];
  cvMean: number;
  cvStd: number;
  /** total fit time over its folds */
  fitSeconds: number;
  status: 'complete' | 'pruned' | 'failed';
  note?: string;
}

export interface SearchOptions {
  metric: string;
  folds: number;
  seed: number;
  /** wall-clock seconds for the search (the caller reserves time for the final fit) */
  budgetSeconds: number;
  /** stop after this many candidates instead of by time (deterministic) */
  trials?: number;
  learners?: string[];
  now?: () => number;
}

export interface SearchState {
  tried: number;
  best: Candidate | null;
  secondsLeft: number;
}

/** One metric of predictions (probabilities rows x classes, or values), computing only what it needs. */
export function scoreOf(task: Task, metric: string, y: Float64Array, out: Float64Array, nClasses: number): number {
  if (task === 'regression') return metric === 'rmse' ? rmse(y, out) : metric === 'mae' ? mae(y, out) : r2(y, out);
  const n = y.length;
  if (task === 'binary' && (metric === 'roc_auc' || metric === 'pr_auc')) {
    const p1 = new Float64Array(n);
    for (let i = 0; i < n; i++) p1[i] = out[i * 2 + 1];
    return metric === 'roc_auc' ? rocAuc(y, p1) : prAuc(y, p1);
  }
  if (metric === 'log_loss') return logLoss(y, out, nClasses);
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < nClasses; c++) if (out[i * nClasses + c] > out[i * nClasses + best]) best = c;
    predicted[i] = best;
  }
  if (metric === 'accuracy') return accuracy(y, predicted);
  if (metric === 'balanced_accuracy') return balancedAccuracy(y, predicted, nClasses);
  const pc = perClass(y, predicted, nClasses);
  return metric === 'f1' ? pc.f1[1] : pc.f1.reduce((a, b) => a + b, 0) / nClasses;
}


/**
 * Search blueprints and their hyperparameters with the same cross-validation folds for every candidate: each learner's
 * defaults first (what a data scientist tries first), then TPE proposals, spread over learners by how well they do. A
 * candidate is scored on one fold first and gets the other folds only if that score is at least the median of first-fold
 * scores so far (successive halving), so weak ones cost one fit. Time is planned with a cost model; with `trials` the count
 * is fixed instead and the leaderboard depends on the seed alone.
 */
export async function searchModels(t: PreparedTarget, features: FeatureSpec[], folds: { train: number[]; test: number[] }[], o: SearchOptions, onEvent: (c: Candidate, s: SearchState) => void = () => undefined): Promise<{ candidates: Candidate[]; best: Candidate; higher: boolean; oof: Map<number, Float64Array> }> {
  const task = t.spec.task;
  const m = METRICS[o.metric];
  if (!m || !m.tasks.includes(task)) throw invalid(`--metric ${o.metric} does not apply to ${task} tasks (use one of ${Object.entries(METRICS).filter(([, v]) => v.tasks.includes(task)).map(([k]) => k).join(', ')})`);
  const sign = m.higher ? 1 : -1;
  const now = o.now ?? (() => performance.now() / 1000);
  const start = now();
  const nClasses = t.spec.classes?.length ?? 1;
  const rng = new Rng(o.seed ^ 0x5eed);
  const shape: Shape = { rows: folds[0].train.length, features: features.length, classes: t.spec.classes?.length ?? 0, testRows: folds[0].test.length };
  const blueprints = BLUEPRINTS.filter((b) => b.tasks.includes(task) && (!o.learners || o.learners.includes(b.learner)) && (!b.maxRows || shape.rows <= b.maxRows));
  if (blueprints.length === 0) throw invalid(`no learner among ${o.learners?.join(', ')} handles ${task} tasks`);
  const cost = new CostModel();
  const candidates: Candidate[] = [];
  const history = new Map<string, Scored[]>(blueprints.map((b) => [b.learner, []]));
  const firstFold: number[] = [];
  const tried = new Set<string>();
  const width = task === 'regression' ? 1 : nClasses;
  const oof = new Map<number, Float64Array>();
  const fit = async (learner: string, params: Params, k: number, into: Float64Array): Promise<{ score: number; seconds: number }> => {
    const f = folds[k];
    const t0 = now();
    const model = await trainModel(takeRows(t.features, f.train), takeValues(t.y, f.train), t.spec, features, { learner, params, seed: o.seed, ...(o.trials === undefined ? { deadline: Date.now() + Math.max(0, o.budgetSeconds - (now() - start)) * 1000 } : {}) });
    const seconds = now() - t0;
    cost.observe(learner, params, shape, seconds);
    const out = predictionOutput(predictTable(model, takeRows(t.features, f.test)));
    f.test.forEach((row, i) => into.set(out.subarray(i * width, (i + 1) * width), row * width));
    return { score: scoreOf(task, o.metric, takeValues(t.y, f.test), out, nClasses), seconds };
  };
  const best = () => candidates.filter((c) => c.status === 'complete').sort((a, b) => sign * (b.cvMean - a.cvMean) || a.id - b.id)[0] ?? null;
  // time left for fits, keeping back what refitting the current best on all rows will take
  const left = () => {
    const b = best();
    const refit = b ? (b.fitSeconds / b.foldScores.length) * (folds.length / Math.max(1, folds.length - 1)) * 1.2 : 0;
    return o.budgetSeconds - (now() - start) - refit;
  };

  // the plan: defaults of every blueprint, then proposals for blueprints picked by standing
  const queue: { bp: Blueprint; params: Params | null }[] = blueprints.map((bp) => ({ bp, params: defaultsOf(bp) }));
  for (let id = 0; ; id++) {
    if (o.trials !== undefined && id >= o.trials) break;
    let next = queue.shift();
    if (!next) {
      const bp = pickBlueprint(blueprints, history, sign, rng);
      const scored = (history.get(bp.learner) ?? []).map((h) => ({ params: completed(bp, h.params), score: sign * h.score }));
      let params = { ...bp.fixed, ...suggest(bp.space, scored, rng) };
      // never spend a fit on parameters already tried: fall back to a draw from the prior
      for (let tries = 0; tried.has(bp.learner + JSON.stringify(params)) && tries < 20; tries++) params = { ...bp.fixed, ...suggest(bp.space, [], rng) };
      next = { bp, params };
    }
    const { bp } = next;
    const params = next.params!;
    tried.add(bp.learner + JSON.stringify(params));
    // with a time budget, skip what would not finish (a cheaper blueprint may still fit; stop when none does)
    if (o.trials === undefined) {
      const remaining = left();
      const fits = blueprints.filter((b) => cost.predict(b.learner, b === bp ? params : defaultsOf(b), shape) < remaining);
      if (fits.length === 0 || remaining <= 0) break;
      if (!fits.includes(bp)) continue;
    }
    const c: Candidate = { id: candidates.length, learner: bp.learner, params, foldScores: [], cvMean: NaN, cvStd: NaN, fitSeconds: 0, status: 'complete' };
    const predictions = new Float64Array(t.features.rows * width);
    try {
      const first = await fit(bp.learner, params, 0, predictions);
      c.foldScores.push(first.score);
      c.fitSeconds += first.seconds;
      const sorted = [...firstFold].sort((a, b) => sign * (b - a));
      const median = sorted[Math.floor(sorted.length / 2)];
      firstFold.push(first.score);
      if (sorted.length >= 4 && sign * (first.score - median) < 0) {
        c.status = 'pruned';
        c.note = 'first-fold score below the median';
      } else if (o.trials === undefined && cost.predict(bp.learner, params, shape) * (folds.length - 1) > left()) {
        c.status = 'pruned';
        c.note = 'the other folds would not fit in the budget';
      } else {
        for (let k = 1; k < folds.length; k++) {
          const r = await fit(bp.learner, params, k, predictions);
          c.foldScores.push(r.score);
          c.fitSeconds += r.seconds;
        }
      }
    } catch (e) {
      c.status = 'failed';
      c.note = (e as Error).message;
    }
    if (c.foldScores.length > 0) {
      c.cvMean = c.foldScores.reduce((a, b) => a + b, 0) / c.foldScores.length;
      c.cvStd = Math.sqrt(c.foldScores.reduce((a, b) => a + (b - c.cvMean) ** 2, 0) / c.foldScores.length);
    }
    if (c.status !== 'failed') history.get(bp.learner)!.push({ params, score: c.status === 'complete' ? c.cvMean : c.foldScores[0] });
    if (o.trials === undefined && now() - start > o.budgetSeconds) {
      // a fit ran into the deadline and was cut short: its score is not comparable, and the budget is spent
      c.status = 'pruned';
      c.note = 'stopped at the budget deadline';
      candidates.push(c);
      onEvent(c, { tried: candidates.length, best: best(), secondsLeft: left() });
      break;
    }
    candidates.push(c);
    if (c.status === 'complete') {
      // keep the out-of-fold predictions of the best few complete candidates, for ensembling
      oof.set(c.id, predictions);
      const keep = candidates.filter((x) => oof.has(x.id)).sort((a, b) => sign * (b.cvMean - a.cvMean) || a.id - b.id);
      for (const x of keep.slice(OOF_KEEP)) oof.delete(x.id);
    }
    onEvent(c, { tried: candidates.length, best: best(), secondsLeft: left() });
  }
  // when the budget allowed no full cross-validation (a large file), the first-fold scores still compare: they share a fold
  const winner =
    best() ??
    candidates
      .filter((c) => c.status !== 'failed' && c.foldScores.length > 0)
      .sort((x, y) => sign * (y.foldScores[0] - x.foldScores[0]) || x.id - y.id)[0];
  if (!winner) throw invalid('no candidate finished within the budget: give a larger --budget');
  if (winner.status !== 'complete') winner.note = `${winner.note ?? ''}; chosen on the first fold alone: the budget allowed no full cross-validation`.replace(/^; /, '');
  return { candidates, best: winner, higher: m.higher, oof };
}

/** How many candidates' out-of-fold predictions are kept for ensemble selection. */
const OOF_KEEP = 12;

/** A candidate's parameters with the learner's defaults filled in for searched ones it left unset (the defaults candidates). */
function completed(bp: Blueprint, params: Params): Params {
  const defaults = Object.fromEntries(getLearner(bp.learner).params.map((p) => [p.name, p.default]));
  const out: Params = { ...params };
  for (const k of Object.keys(bp.space)) if (out[k] === undefined && defaults[k] !== undefined) out[k] = defaults[k];
  return out;
}

function defaultsOf(bp: Blueprint): Params {
  const learner = getLearner(bp.learner);
  const out: Params = {};
  for (const p of learner.params) if (p.name in bp.fixed) out[p.name] = bp.fixed[p.name];
  return out;
}

/** Blueprints by the standing of their best score: the leader half of the time, the runner-up a quarter, the rest share. */
function pickBlueprint(blueprints: Blueprint[], history: Map<string, Scored[]>, sign: number, rng: Rng): Blueprint {
  const bestOf = (b: Blueprint) => Math.max(...(history.get(b.learner) ?? []).map((h) => sign * h.score), -Infinity);
  const ranked = [...blueprints].sort((a, b) => bestOf(b) - bestOf(a) || a.learner.localeCompare(b.learner));
  const u = rng.next();
  if (u < 0.5 || ranked.length === 1) return ranked[0];
  if (u < 0.75 || ranked.length === 2) return ranked[1];
  return ranked[2 + rng.int(ranked.length - 2)];
}
