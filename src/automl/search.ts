import { invalid } from '../core/errors.ts';
import { Rng } from '../core/random.ts';
import { getLearner } from '../learn/index.ts';
import { CostModel, type Shape } from './cost.ts';
import { localEvaluator, type Evaluator, type Problem } from './evaluate.ts';
import { METRICS } from './score.ts';
import { BLUEPRINTS, spaceFor, type Blueprint, type Params } from './space.ts';
import { suggest, type Scored } from './tpe.ts';

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
  /** total time to predict its folds' test rows, and how many rows that was */
  predictSeconds: number;
  predictedRows: number;
  status: 'complete' | 'pruned' | 'failed';
  note?: string;
}

export interface SearchOptions {
  /** wall-clock seconds for the search (the caller reserves time for the final fit) */
  budgetSeconds: number;
  /** stop after this many candidates instead of by time (deterministic) */
  trials?: number;
  learners?: string[];
  /** where fold fits run; in this process by default */
  evaluator?: Evaluator;
  /**
   * Seconds the caller needs after the search, given the best complete candidates so far (refits, ensemble, insights):
   * kept back from the search's time. By default, refitting the best one on all rows.
   */
  finish?: (best: Candidate[]) => number;
  now?: () => number;
}

export interface SearchState {
  tried: number;
  best: Candidate | null;
  secondsLeft: number;
}

/**
 * Search blueprints and their hyperparameters with the same cross-validation folds for every candidate: each learner's
 * defaults first (what a data scientist tries first), then TPE proposals, spread over learners by how well they do. A
 * candidate is scored on one fold first and gets the other folds only if that score is at least the median of first-fold
 * scores so far (successive halving), so weak ones cost one fit. Time is planned with a cost model; with `trials` the count
 * is fixed instead and the leaderboard depends on the seed (and the evaluator's slot count) alone.
 *
 * Candidates go out in rounds of `evaluator.slots`: first folds of the round in parallel, then the other folds of the
 * survivors in parallel; results are taken in candidate order, so one slot reproduces a sequential search exactly.
 */
export async function searchModels(p: Problem, o: SearchOptions, onEvent: (c: Candidate, s: SearchState) => void = () => undefined): Promise<{ candidates: Candidate[]; best: Candidate; higher: boolean; oof: Map<number, Float64Array> }> {
  const { t, folds } = p;
  const task = t.spec.task;
  const m = METRICS[p.metric];
  if (!m || !m.tasks.includes(task)) throw invalid(`--metric ${p.metric} does not apply to ${task} tasks (use one of ${Object.entries(METRICS).filter(([, v]) => v.tasks.includes(task)).map(([k]) => k).join(', ')})`);
  const evaluator = o.evaluator ?? localEvaluator(p);
  const sign = m.higher ? 1 : -1;
  const now = o.now ?? (() => performance.now() / 1000);
  const start = now();
  const nClasses = t.spec.classes?.length ?? 1;
  const rng = new Rng(p.seed ^ 0x5eed);
  const shape: Shape = { rows: folds[0].train.length, features: p.features.length, classes: t.spec.classes?.length ?? 0, testRows: folds[0].test.length };
  const blueprints = BLUEPRINTS.filter((b) => b.tasks.includes(task) && (!o.learners || o.learners.includes(b.learner)) && (!b.maxRows || shape.rows <= b.maxRows)).map((b) => ({ ...b, space: spaceFor(b, task, t.y) }));
  if (blueprints.length === 0) throw invalid(`no learner among ${o.learners?.join(', ')} handles ${task} tasks`);
  const cost = new CostModel();
  const candidates: Candidate[] = [];
  const history = new Map<string, Scored[]>(blueprints.map((b) => [b.learner, []]));
  const firstFold: number[] = [];
  const tried = new Set<string>();
  const width = task === 'regression' ? 1 : nClasses;
  const oof = new Map<number, Float64Array>();
  // how often each row is tested: repeated folds test it once per repeat, and its out-of-fold prediction is their mean
  const tested = new Int32Array(t.features.rows);
  for (const f of folds) for (const row of f.test) tested[row]++;
  const late = new Set<number>();
  // one fold of one candidate; its test predictions land in the candidate's out-of-fold array
  const fit = async (c: Candidate, k: number, into: Float64Array): Promise<number> => {
    // a fold must end within what is left for fits: past that it would eat the time kept back for the refits and insights
    const seconds = Math.max(0, left());
    const until = now() - start + seconds;
    const r = await evaluator.evaluate({ learner: c.learner, params: c.params, fold: k, ...(o.trials === undefined ? { deadline: Date.now() + seconds * 1000 } : {}) });
    cost.observe(c.learner, c.params, shape, r.seconds + r.predictSeconds);
    folds[k].test.forEach((row, i) => {
      for (let j = 0; j < width; j++) into[row * width + j] += r.predictions[i * width + j] / tested[row];
    });
    c.fitSeconds += r.seconds;
    c.predictSeconds += r.predictSeconds;
    c.predictedRows += folds[k].test.length;
    // a fit that ended past its deadline was cut short: its score is not comparable
    if (o.trials === undefined && now() - start > until) late.add(c.id);
    return r.score;
  };
  const ranked = () => candidates.filter((c) => c.status === 'complete').sort((a, b) => sign * (b.cvMean - a.cvMean) || a.id - b.id);
  const best = () => ranked()[0] ?? null;
  const refitDefault = (top: Candidate[]) => (top[0] ? (top[0].fitSeconds / top[0].foldScores.length) * (folds.length / Math.max(1, folds.length - 1)) * 1.2 : 0);
  // time left for fits, keeping back what the caller will need once the search ends
  const left = () => o.budgetSeconds - (now() - start) - (o.finish ?? refitDefault)(ranked());

  // the plan: defaults of every blueprint, then proposals for blueprints picked by standing
  const queue: { bp: Blueprint; params: Params | null }[] = blueprints.map((bp) => ({ bp, params: defaultsOf(bp) }));
  const propose = (): { bp: Blueprint; params: Params } => {
    const next = queue.shift();
    if (next) return { bp: next.bp, params: next.params! };
    const bp = pickBlueprint(blueprints, history, sign, rng);
    const scored = (history.get(bp.learner) ?? []).map((h) => ({ params: completed(bp, h.params), score: sign * h.score }));
    let params = { ...bp.fixed, ...suggest(bp.space, scored, rng) };
    // never spend a fit on parameters already tried: fall back to a draw from the prior
    for (let tries = 0; tried.has(bp.learner + JSON.stringify(params)) && tries < 20; tries++) params = { ...bp.fixed, ...suggest(bp.space, [], rng) };
    return { bp, params };
  };
  let nextId = 0;
  let stopped = false;
  while (!stopped) {
    // a round: up to `slots` candidates, each predicted (with a time budget) to finish in what is left
    const round: { c: Candidate; predictions: Float64Array; first?: number; error?: string }[] = [];
    let skips = 0;
    while (round.length < evaluator.slots && (o.trials === undefined || nextId < o.trials) && skips < 50) {
      const { bp, params } = propose();
      tried.add(bp.learner + JSON.stringify(params));
      if (o.trials === undefined) {
        // skip what would not finish (a cheaper blueprint may still fit; stop when none does)
        const remaining = left();
        const fits = blueprints.filter((b) => cost.predict(b.learner, b === bp ? params : defaultsOf(b), shape) < remaining);
        if (fits.length === 0 || remaining <= 0) break;
        if (!fits.includes(bp)) {
          skips++;
          continue;
        }
      }
      round.push({ c: { id: nextId++, learner: bp.learner, params, foldScores: [], cvMean: NaN, cvStd: NaN, fitSeconds: 0, predictSeconds: 0, predictedRows: 0, status: 'complete' }, predictions: new Float64Array(t.features.rows * width) });
    }
    if (round.length === 0) break;
    await Promise.all(round.map(async (r) => {
      try {
        r.first = await fit(r.c, 0, r.predictions);
      } catch (e) {
        r.error = (e as Error).message;
      }
    }));
    // halving decisions in candidate order, as a sequential search would take them
    const survivors: typeof round = [];
    for (const r of round) {
      const { c } = r;
      if (r.first === undefined) continue;
      c.foldScores.push(r.first);
      const sorted = [...firstFold].sort((a, b) => sign * (b - a));
      const median = sorted[Math.floor(sorted.length / 2)];
      firstFold.push(r.first);
      if (sorted.length >= 4 && sign * (r.first - median) < 0) {
        c.status = 'pruned';
        c.note = 'first-fold score below the median';
      } else if (o.trials === undefined && (cost.predict(c.learner, c.params, shape) * (folds.length - 1)) / evaluator.slots > left()) {
        c.status = 'pruned';
        c.note = 'the other folds would not fit in the budget';
      } else survivors.push(r);
    }
    await Promise.all(survivors.flatMap((r) => folds.slice(1).map(async (_, i) => {
      try {
        r.c.foldScores[i + 1] = await fit(r.c, i + 1, r.predictions);
      } catch (e) {
        r.error ??= (e as Error).message;
      }
    })));
    for (const { c, predictions, error } of round) {
      if (error !== undefined) {
        c.status = 'failed';
        c.note = error;
        c.foldScores = c.foldScores.filter((x) => x !== undefined);
      }
      if (c.foldScores.length > 0) {
        c.cvMean = c.foldScores.reduce((a, b) => a + b, 0) / c.foldScores.length;
        c.cvStd = Math.sqrt(c.foldScores.reduce((a, b) => a + (b - c.cvMean) ** 2, 0) / c.foldScores.length);
      }
      if (c.status !== 'failed') history.get(c.learner)!.push({ params: c.params, score: c.status === 'complete' ? c.cvMean : c.foldScores[0] });
      if (late.has(c.id) && c.status !== 'failed') {
        c.status = 'pruned';
        c.note = 'stopped at the budget deadline';
      }
      // the budget is spent
      if (o.trials === undefined && now() - start > o.budgetSeconds) stopped = true;
      candidates.push(c);
      if (c.status === 'complete') {
        oof.set(c.id, predictions);
        const kept = new Set(ensemblePool(candidates.filter((x) => oof.has(x.id)), sign).map((x) => x.id));
        for (const id of oof.keys()) if (!kept.has(id)) oof.delete(id);
      }
      onEvent(c, { tried: candidates.length, best: best(), secondsLeft: left() });
    }
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

/** How many of the best candidates' out-of-fold predictions are kept for ensemble selection, overall and per learner. */
const OOF_KEEP = 12;
const OOF_KEEP_PER_LEARNER = 3;

/**
 * The candidates whose out-of-fold predictions are kept for ensemble selection: the best 12 overall and the best 3 of every
 * learner, so that an ensemble can blend families (a linear model with trees errs on other rows than a fourth tree model
 * does) even when one family fills the top of the board.
 */
export function ensemblePool(complete: Candidate[], sign: number): Candidate[] {
  const ranked = [...complete].sort((a, b) => sign * (b.cvMean - a.cvMean) || a.id - b.id);
  const perLearner = new Map<string, number>();
  return ranked.filter((c, rank) => {
    const n = (perLearner.get(c.learner) ?? 0) + 1;
    perLearner.set(c.learner, n);
    return rank < OOF_KEEP || n <= OOF_KEEP_PER_LEARNER;
  });
}

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
