import { Rng } from '../core/random.ts';
import type { TargetSpec } from '../core/schema.ts';
import type { Column, Table } from '../core/table.ts';
import type { FeatureSpec } from '../core/schema.ts';
import { takeRows } from '../core/table.ts';
import type { PreparedTarget } from '../data/index.ts';
import { ensembleModel, predictionOutput, predictTable, takeValues, trainModel, type TabularModel } from '../learn/index.ts';
import { confusionMatrix } from '../learn/metrics/index.ts';
import { scoreOf } from './score.ts';
import type { Candidate } from './search.ts';

/*
 * The evidence for a chosen model, DataRobot-style: feature impact by permutation on held-out rows, ROC and PR curves, lift
 * chart, confusion matrix and calibration (classification), residuals (regression) from out-of-fold predictions, and partial
 * dependence of the most impactful features on the final model. Plain JSON, stored as a run artifact.
 */

export interface Insights {
  metric: string;
  featureImpact: { feature: string; drop: number; normalized: number }[];
  roc?: { fpr: number[]; tpr: number[]; threshold: number[] };
  pr?: { recall: number[]; precision: number[] };
  lift?: { bin: number; rows: number; meanPredicted: number; meanActual: number; lift: number }[];
  confusion?: { classes: string[]; matrix: number[][] };
  calibration?: { bin: number; rows: number; meanPredicted: number; fractionPositive: number }[];
  residuals?: { rmse: number; mae: number; sample: { actual: number; predicted: number }[] };
  partialDependence: { feature: string; points: { value: number | string; mean: number }[] }[];
}

function withColumn(t: Table, index: number, col: Column): Table {
  return { rows: t.rows, columns: t.columns.map((c, i) => (i === index ? col : c)) };
}

/** The score per feature lost when its values are shuffled on held-out rows (higher = more important). */
export function permutationImpact(model: TabularModel, heldOut: Table, y: Float64Array, target: TargetSpec, metric: string, sign: number, seed: number): Insights['featureImpact'] {
  const nClasses = target.classes?.length ?? 1;
  const score = (t: Table) => sign * scoreOf(target.task, metric, y, predictionOutput(predictTable(model, t)), nClasses);
  const base = score(heldOut);
  const rng = new Rng(seed);
  const names = new Set(model.features.map((f) => f.name));
  const out = heldOut.columns
    .map((c, index) => ({ c, index }))
    .filter(({ c }) => names.has(c.name))
    .map(({ c, index }) => {
      const order = Array.from({ length: heldOut.rows }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      const shuffled: Column = c.kind === 'numeric' ? { ...c, values: Float64Array.from(order, (r) => c.values[r]) } : { ...c, codes: Int32Array.from(order, (r) => c.codes[r]) };
      return { feature: c.name, drop: base - score(withColumn(heldOut, index, shuffled)) };
    })
    .sort((a, b) => b.drop - a.drop || a.feature.localeCompare(b.feature));
  const top = Math.max(1e-12, out[0]?.drop ?? 0);
  return out.map((f) => ({ ...f, normalized: f.drop / top }));
}

/**
 * Held-out rows permutation impact predicts on (once per feature): enough to rank features, and bounded, so a model that is
 * slow to predict (k-NN on a large table) cannot spend the budget here.
 */
export const IMPACT_ROWS = 2000;
/**
 * Partial dependence: rows predicted per grid point (fewer, down to 50, when permutation impact gets fewer rows), grid
 * points per feature, and features.
 */
const PD_ROWS = 300;
const pdRows = (impactRows: number) => Math.max(50, Math.min(PD_ROWS, Math.round((PD_ROWS * impactRows) / IMPACT_ROWS)));
const PD_POINTS = 10;
const PD_FEATURES = 3;

/** The fewest held-out rows permutation impact is measured on when the budget is short (fewer rank features poorly). */
export const MIN_IMPACT_ROWS = 300;

/**
 * Seconds the insights are expected to take for these members (the budget plan's estimate, from what their fold fits
 * measured): the held-out refit behind feature impact (their fold fits, x1.2; none with `refit: false`), their predictions
 * of `impactRows` rows once unpermuted and once per feature plus partial dependence's rows, and half a second.
 */
export function insightSeconds(members: Pick<Candidate, 'fitSeconds' | 'foldScores' | 'predictSeconds' | 'predictedRows'>[], features: number, impactRows: number, refit = true): number {
  const fits = members.reduce((a, c) => a + c.fitSeconds / c.foldScores.length, 0);
  return (refit ? 1.2 * fits : 0) + finalPredictSeconds(members, (features + 1) * impactRows + PD_FEATURES * PD_POINTS * pdRows(impactRows)) + 0.5;
}

/**
 * Seconds the final model of these members takes to predict `rows` rows, from their fold predictions' time per row (x1.25:
 * the final model has seen a fifth more rows, which slows k-NN).
 */
export function finalPredictSeconds(members: Pick<Candidate, 'predictSeconds' | 'predictedRows'>[], rows: number): number {
  return 1.25 * rows * members.reduce((a, c) => a + (c.predictedRows > 0 ? c.predictSeconds / c.predictedRows : 0), 0);
}

/**
 * How the insights fit in `seconds`: permutation impact on a refit held out from the first fold's test rows (up to 2000 of
 * them), on fewer rows (down to 300) when that is what fits, else on the final model without the refit.
 */
export function insightPlan(members: Candidate[], features: number, heldOutRows: number, seconds: number): { refit: boolean; rows: number } {
  const full = Math.min(IMPACT_ROWS, heldOutRows);
  const least = Math.min(MIN_IMPACT_ROWS, full);
  for (const refit of [true, false]) {
    if (insightSeconds(members, features, full, refit) <= seconds) return { refit, rows: full };
    if (insightSeconds(members, features, least, refit) > seconds) continue;
    // the most rows that fit (the cost grows with the rows)
    let [lo, hi] = [least, full];
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (insightSeconds(members, features, mid, refit) <= seconds) lo = mid;
      else hi = mid;
    }
    return { refit, rows: lo };
  }
  return { refit: false, rows: least };
}

function downsample<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  return Array.from({ length: max }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (max - 1))]);
}

/** Curves and charts from out-of-fold predictions (`output`: probabilities rows x classes, or values). */
export function predictionInsights(target: TargetSpec, y: Float64Array, output: Float64Array): Pick<Insights, 'roc' | 'pr' | 'lift' | 'confusion' | 'calibration' | 'residuals'> {
  const n = y.length;
  if (target.task === 'regression') {
    let se = 0;
    let ae = 0;
    for (let i = 0; i < n; i++) {
      se += (y[i] - output[i]) ** 2;
      ae += Math.abs(y[i] - output[i]);
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => output[b] - output[a] || a - b);
    return {
      residuals: { rmse: Math.sqrt(se / n), mae: ae / n, sample: downsample(Array.from({ length: n }, (_, i) => ({ actual: y[i], predicted: output[i] })), 500) },
      lift: liftChart(order, (i) => output[i], (i) => y[i]),
    };
  }
  const k = target.classes!.length;
  const predicted = Int32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (output[i * k + c] > output[i * k + best]) best = c;
    return best;
  });
  const confusion = { classes: target.classes!, matrix: confusionMatrix(y, predicted, k) };
  if (target.task !== 'binary') return { confusion };
  const p = Float64Array.from({ length: n }, (_, i) => output[i * 2 + 1]);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
  const positives = y.reduce((a, v) => a + v, 0);
  const roc = { fpr: [0], tpr: [0], threshold: [Infinity] };
  const pr = { recall: [0], precision: [1] };
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; i++) {
    if (y[order[i]] === 1) tp++;
    else fp++;
    if (i + 1 < n && p[order[i + 1]] === p[order[i]]) continue;
    roc.fpr.push(fp / Math.max(1, n - positives));
    roc.tpr.push(tp / Math.max(1, positives));
    roc.threshold.push(p[order[i]]);
    pr.recall.push(tp / Math.max(1, positives));
    pr.precision.push(tp / (tp + fp));
  }
  const idx = downsample(roc.fpr.map((_, i) => i), 101);
  const calibration: NonNullable<Insights['calibration']> = [];
  for (let b = 0; b < 10; b++) {
    const rows = Array.from({ length: n }, (_, i) => i).filter((i) => Math.min(9, Math.floor(p[i] * 10)) === b);
    if (rows.length) calibration.push({ bin: b, rows: rows.length, meanPredicted: rows.reduce((a, i) => a + p[i], 0) / rows.length, fractionPositive: rows.reduce((a, i) => a + y[i], 0) / rows.length });
  }
  return {
    confusion,
    roc: { fpr: idx.map((i) => roc.fpr[i]), tpr: idx.map((i) => roc.tpr[i]), threshold: idx.map((i) => roc.threshold[i]) },
    pr: { recall: idx.map((i) => pr.recall[i]), precision: idx.map((i) => pr.precision[i]) },
    lift: liftChart(order, (i) => p[i], (i) => y[i]),
    calibration,
  };
}

function liftChart(order: number[], predicted: (i: number) => number, actual: (i: number) => number): NonNullable<Insights['lift']> {
  const n = order.length;
  const overall = order.reduce((a, i) => a + actual(i), 0) / n;
  return Array.from({ length: 10 }, (_, b) => {
    const rows = order.slice(Math.floor((b * n) / 10), Math.floor(((b + 1) * n) / 10));
    const meanActual = rows.reduce((a, i) => a + actual(i), 0) / Math.max(1, rows.length);
    return { bin: b + 1, rows: rows.length, meanPredicted: rows.reduce((a, i) => a + predicted(i), 0) / Math.max(1, rows.length), meanActual, lift: overall !== 0 ? meanActual / overall : NaN };
  });
}

/** Mean prediction (class-1 probability, the values, or the most likely class's probability) as one feature sweeps its range. */
export function partialDependence(model: TabularModel, table: Table, features: string[], seed: number, sampleRows = PD_ROWS): Insights['partialDependence'] {
  const rng = new Rng(seed);
  const rows = Array.from({ length: Math.min(sampleRows, table.rows) }, () => rng.int(table.rows));
  const sample: Table = { rows: rows.length, columns: table.columns.map((c) => (c.kind === 'numeric' ? { ...c, values: Float64Array.from(rows, (r) => c.values[r]) } : { ...c, codes: Int32Array.from(rows, (r) => c.codes[r]) })) };
  const k = model.target.classes?.length ?? 1;
  const summary = (out: Float64Array) => {
    if (model.target.task === 'regression') return out.reduce((a, v) => a + v, 0) / out.length;
    let s = 0;
    for (let i = 0; i < sample.rows; i++) s += model.target.task === 'binary' ? out[i * 2 + 1] : Math.max(...out.subarray(i * k, (i + 1) * k));
    return s / sample.rows;
  };
  return features.map((name) => {
    const index = sample.columns.findIndex((c) => c.name === name);
    const c = sample.columns[index];
    let points: { value: number | string; mean: number }[];
    if (c.kind === 'numeric') {
      const present = Array.from(c.values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      const grid = [...new Set(Array.from({ length: PD_POINTS }, (_, i) => present[Math.floor((i * (present.length - 1)) / (PD_POINTS - 1))]))];
      points = grid.map((v) => ({ value: v, mean: summary(predictionOutput(predictTable(model, withColumn(sample, index, { ...c, values: new Float64Array(sample.rows).fill(v) })))) }));
    } else {
      const counts = new Map<number, number>();
      for (const code of c.codes) if (code >= 0) counts.set(code, (counts.get(code) ?? 0) + 1);
      const top = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, PD_POINTS).map(([code]) => code);
      points = top.map((code) => ({ value: c.categories[code], mean: summary(predictionOutput(predictTable(model, withColumn(sample, index, { ...c, codes: new Int32Array(sample.rows).fill(code) })))) }));
    }
    return { feature: name, points };
  });
}

/**
 * All insights for the chosen model (a single candidate or an ensemble of candidates): prediction charts from the
 * out-of-fold predictions, permutation impact from a refit on the first fold's training rows scored on its held-out rows
 * (when the budget has no room left for that refit, the final model's, with a note), partial dependence of the top three
 * features on the final model.
 */
export async function modelInsights(a: {
  t: PreparedTarget;
  features: FeatureSpec[];
  folds: { train: number[]; test: number[] }[];
  model: TabularModel;
  win: Candidate;
  ensemble: { id: number; weight: number }[] | null;
  byId: Map<number, Candidate>;
  oof: Map<number, Float64Array>;
  metric: string;
  sign: number;
  seed: number;
  timeLeft: () => number;
}): Promise<Insights & { notes: string[] }> {
  const notes: string[] = [];
  const members = a.ensemble ?? [{ id: a.win.id, weight: 1 }];
  let output: Float64Array | null = null;
  for (const m of members) {
    const o = a.oof.get(m.id);
    if (!o) continue;
    output ??= new Float64Array(o.length);
    for (let i = 0; i < o.length; i++) output[i] += m.weight * o[i];
  }
  const charts = output ? predictionInsights(a.t.spec, a.t.y, output) : {};
  let featureImpact: Insights['featureImpact'];
  const plan = insightPlan(members.map((m) => a.byId.get(m.id)!), a.features.length, a.folds[0].test.length, a.timeLeft());
  const rows = downsample(a.folds[0].test, plan.rows);
  if (plan.refit) {
    const f = a.folds[0];
    const train = takeRows(a.t.features, f.train);
    const fitted: { weight: number; model: TabularModel }[] = [];
    for (const m of members) {
      const c = a.byId.get(m.id)!;
      fitted.push({ weight: m.weight, model: await trainModel(train, takeValues(a.t.y, f.train), a.t.spec, a.features, { learner: c.learner, params: c.params, seed: a.seed }) });
    }
    const foldModel = fitted.length === 1 ? fitted[0].model : ensembleModel(fitted);
    featureImpact = permutationImpact(foldModel, takeRows(a.t.features, rows), takeValues(a.t.y, rows), a.t.spec, a.metric, a.sign, a.seed);
  } else {
    // no time for the held-out refit: the final model on the first fold's rows (which it was fitted on) still ranks the
    // features, if optimistically; a report without feature impact helps nobody
    featureImpact = permutationImpact(a.model, takeRows(a.t.features, rows), takeValues(a.t.y, rows), a.t.spec, a.metric, a.sign, a.seed);
    notes.push('feature impact measured on the final model with rows it was fitted on (no time left in the budget for a held-out refit): the ranking holds, the sizes are optimistic');
  }
  if (rows.length < Math.min(IMPACT_ROWS, a.folds[0].test.length)) notes.push(`feature impact measured on ${rows.length} held-out rows, as many as the budget left time for`);
  const top = (featureImpact.length ? featureImpact.map((x) => x.feature) : a.features.map((x) => x.name)).slice(0, PD_FEATURES);
  return { metric: a.metric, featureImpact, ...charts, partialDependence: partialDependence(a.model, a.t.features, top, a.seed, pdRows(plan.rows)), notes };
}
