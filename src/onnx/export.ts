import { CAPSTAN_VERSION } from '../core/config.ts';
import { invalid } from '../core/errors.ts';
import type { FeatureSpec } from '../core/schema.ts';
import type { TabularModel } from '../learn/index.ts';
import { denseColumnNames, type DenseEncoder } from '../learn/preprocess/dense-encoder.ts';
import type { TreeEncoder } from '../learn/preprocess/tree-encoder.ts';
import { CATEGORICAL, MISSING_LEFT, type Forest } from '../learn/trees/forest.ts';
import { forestFromArrays } from '../learn/trees/serialize.ts';
import { BOOL, DOUBLE, INT64, OnnxGraph, STRING, UINT8 } from './graph.ts';

/**
 * Export a model to ONNX. The graph takes one input per feature column, shape [N, 1]: numbers as double (NaN = missing),
 * categories as strings ('' = missing). It answers `probabilities` (double [N, classes]) and `label` (string [N]) for
 * classification, `variable` (double [N, 1]) for regression, computed in double precision wherever ONNX allows, so
 * onnxruntime agrees with Capstan to ~1e-12 (classification forests ~1e-7):
 * - gradient-boosted trees as ai.onnx.ml TreeEnsemble (opset 5, the successor of TreeEnsembleClassifier/Regressor, whose
 *   set-membership splits carry our native categorical splits and whose thresholds and sums stay in double);
 * - classification forests as TreeEnsembleClassifier (opset 4: leaves vote for every class), regression forests as
 *   TreeEnsemble;
 * - linear models as MatMul + Add and the logistic or softmax in double (LinearClassifier/LinearRegressor compute in float32);
 * - preprocessing as ai.onnx.ml LabelEncoder (category codes, target encodings), OneHotEncoder, and standard operators for
 *   imputation, scaling and clipping (the ML Imputer and Scaler hold float32 constants and do not treat infinity as missing).
 * - naive Bayes as standard operators: Gaussian log-likelihoods by MatMul over the numbers, a table lookup per categorical
 *   feature, missing values adding no evidence, softmax;
 * - ensembles (what AutoML may pick) as the weighted sum of their members' outputs, each member with its own preprocessing.
 * Learners or features without an ONNX form (nearest neighbours, k-means, date features) are refused with the reason.
 */
export function exportOnnx(model: TabularModel): Uint8Array {
  const task = model.target.task;
  if (task === 'clustering') throw invalid('ONNX export: clustering models are not supported');
  const blocker = onnxBlocker(model);
  if (blocker) throw invalid(`ONNX export: ${blocker}`);
  const g = new OnnxGraph();
  const inputs = new Map(model.features.map((f) => [f.name, addInput(g, f)]));
  const { scores, mlOpset } = modelScores(g, model, inputs);
  if (task === 'regression') {
    g.node('Identity', [scores], {}, { names: ['variable'] });
    g.output('variable', DOUBLE, ['N', 1]);
  } else {
    const K = model.target.classes!.length;
    g.node('Identity', [scores], {}, { names: ['probabilities'] });
    g.output('probabilities', DOUBLE, ['N', K]);
    const index = g.op('ArgMax', [scores], { axis: 1, keepdims: 0 });
    const classes = model.target.classes!;
    g.node('LabelEncoder', [index], { keys_int64s: classes.map((_, i) => i), values_strings: classes, default_string: '' }, { domain: 'ml', names: ['label'] });
    g.output('label', STRING, ['N']);
  }
  return g.build({
    producer: 'capstan',
    version: CAPSTAN_VERSION,
    doc: `${model.learner.name} ${task} model for ${model.target.name}`,
    props: { 'capstan.signature': JSON.stringify({ features: model.features, target: model.target }), 'capstan.learner': JSON.stringify(model.learner) },
    mlOpset,
  });
}

/** Learners whose fitted models have an ONNX form. */
export const ONNX_LEARNERS: readonly string[] = ['gbdt', 'forest', 'linear', 'bayes'];

/** Why a model cannot be exported to ONNX, or null when it can (ensembles: when every member can). */
export function onnxBlocker(model: TabularModel): string | null {
  if (model.members) {
    for (const m of model.members) {
      const b = onnxBlocker(m.model);
      if (b) return `ensemble member ${m.model.learner.name}: ${b}`;
    }
    return null;
  }
  if (!ONNX_LEARNERS.includes(model.learner.name)) return `learner ${model.learner.name} is not supported (${ONNX_LEARNERS.join(', ')} are)`;
  const dated = model.features.find((f) => f.kind === 'numeric' && f.datetime);
  if (dated) return `feature "${dated.name}" is a date, and ONNX has no date parsing; drop it or send its parts as numbers`;
  return null;
}

/**
 * A model's answer as a graph value: probabilities [N, classes] or values [N, 1], in double; an ensemble's is the weighted
 * sum of its members'. `mlOpset` is the ai.onnx.ml version the operators used need.
 */
function modelScores(g: OnnxGraph, model: TabularModel, inputs: Map<string, string>, opset5 = false): { scores: string; mlOpset: number } {
  if (model.members) {
    // one graph has one ai.onnx.ml version: TreeEnsemble (boosted trees, regression forests) needs 5, where
    // TreeEnsembleClassifier is gone, so beside them a classification forest becomes TreeEnsemble too (a tree copy per class)
    const needs5 = model.members.some((m) => m.model.learner.name === 'gbdt' || (m.model.learner.name === 'forest' && m.model.target.task === 'regression'));
    const parts = model.members.map((m) => ({ weight: m.weight, ...modelScores(g, m.model, inputs, opset5 || needs5) }));
    const weighted = parts.map((p) => g.op('Mul', [p.scores, g.double(p.weight)]));
    return { scores: weighted.length === 1 ? weighted[0] : g.op('Sum', weighted), mlOpset: Math.max(...parts.map((p) => p.mlOpset)) };
  }
  const task = model.target.task;
  const { name } = model.learner;
  const state = model.fitted.state();
  if (name === 'gbdt' || name === 'forest') {
    const X = model.encoder.kind === 'tree-encoder' ? treeInputs(g, model.encoder, inputs) : denseInputs(g, model.encoder, inputs);
    const forest = forestFromArrays(state.arrays, X.width);
    // a classification forest's leaves hold class shares: TreeEnsembleClassifier votes for several classes per leaf, where
    // TreeEnsemble would need a copy of every tree per class (183 MB and 36x slower on letters' 26 classes)
    const shares = forest.leafWidth[0] > 1;
    const classifier = shares && !opset5;
    let raw = classifier ? treeEnsembleClassifier(g, forest, X.value) : treeEnsemble(g, forest, X.value);
    if (name === 'gbdt') {
      raw = link(g, raw, task);
      if (task === 'regression' && state.meta.target_transform === 'log') raw = g.op('Sub', [g.op('Exp', [raw]), g.double(1)]);
    } else if (shares) {
      // as the forest's predict: class shares renormalised to sum to one, capped at one
      const sum = g.op('ReduceSum', [raw, g.int64([1])], { keepdims: 1 });
      raw = g.op('Min', [g.op('Div', [raw, sum]), g.double(1)]);
    }
    return { scores: raw, mlOpset: classifier ? 4 : 5 };
  }
  if (name === 'linear') {
    if (model.encoder.kind !== 'dense-encoder') throw invalid('ONNX export: a linear model needs its dense preprocessing');
    const X = denseInputs(g, model.encoder, inputs);
    return { scores: linear(g, state.arrays['linear.weights'] as Float64Array, Number(state.meta.outputs), X.width, X.value, task), mlOpset: 5 };
  }
  if (name === 'bayes') {
    if (model.encoder.kind !== 'tree-encoder') throw invalid('ONNX export: naive Bayes needs its tree preprocessing');
    return { scores: naiveBayes(g, state, treeInputs(g, model.encoder, inputs)), mlOpset: 5 };
  }
  throw invalid(`ONNX export: learner ${name} is not supported (${ONNX_LEARNERS.join(', ')} are)`);
}

function addInput(g: OnnxGraph, f: FeatureSpec): string {
  return g.input(f.name, f.kind === 'numeric' ? DOUBLE : STRING, ['N', 1]);
}

/** Numbers as the tree encoder reads them: infinities are missing. */
function finiteOrNaN(g: OnnxGraph, x: string): string {
  return g.op('Where', [g.op('IsInf', [x]), g.double(NaN), x]);
}

/** Tree inputs: numbers (infinity = missing) and category codes (unknown or missing = NaN), side by side: [N, F] double. */
function treeInputs(g: OnnxGraph, e: TreeEncoder, inputs: Map<string, string>): { value: string; width: number } {
  const columns = e.features.map((f) => {
    const x = inputs.get(f.source ?? f.name);
    if (!x || f.part || f.datetime) throw invalid(`ONNX export: feature "${f.name}" has no ONNX form`);
    if (f.kind === 'numeric') return finiteOrNaN(g, x);
    const codes = g.op('LabelEncoder', [x], { keys_strings: f.categories!, values_tensor: { type: DOUBLE, dims: [f.categories!.length], values: f.categories!.map((_, i) => i) }, default_tensor: { type: DOUBLE, dims: [1], values: [NaN] } }, 'ml');
    return codes;
  });
  return { value: columns.length === 1 ? columns[0] : g.op('Concat', columns, { axis: 1 }), width: columns.length };
}

/** The dense encoder as graph nodes: [N, D] double, column for column as `encodeDense`. */
function denseInputs(g: OnnxGraph, e: DenseEncoder, inputs: Map<string, string>): { value: string; width: number } {
  const columns: string[] = [];
  for (const f of e.features) {
    const x = inputs.get(f.kind === 'numeric' ? (f.source ?? f.name) : f.name);
    if (!x || (f.kind === 'numeric' && (f.part || f.datetime))) throw invalid(`ONNX export: feature "${f.name}" has no ONNX form`);
    if (f.kind === 'numeric') {
      const missing = g.op('Or', [g.op('IsNaN', [x]), g.op('IsInf', [x])]);
      const filled = g.op('Where', [missing, g.double(f.fill), x]);
      const scaled = g.op('Div', [g.op('Sub', [filled, g.double(f.center)]), g.double(f.scale)]);
      columns.push(g.op('Clip', [scaled, g.double(-1e9), g.double(1e9)]));
      if (f.indicator) columns.push(g.op('Cast', [missing], { to: DOUBLE }));
    } else if (f.kind === 'onehot') {
      let known: string | null = null;
      if (f.categories.length > 0) {
        // unknown and missing ('') categories encode as all zeros
        const hot = g.op('OneHotEncoder', [x], { cats_strings: f.categories, zeros: 1 }, 'ml');
        known = g.op('Cast', [g.op('Reshape', [hot, g.int64([-1, f.categories.length])])], { to: DOUBLE });
        columns.push(known);
      }
      if (f.rare) {
        const present = g.op('Not', [g.op('Equal', [x, g.constant({ type: STRING, dims: [], values: [''] })])]);
        const unmatched = known ? g.op('Equal', [g.op('ReduceSum', [known, g.int64([1])], { keepdims: 1 }), g.double(0)]) : g.constant({ type: BOOL, dims: [], values: [1] });
        columns.push(g.op('Cast', [g.op('And', [present, unmatched])], { to: DOUBLE }));
      }
    } else {
      for (let c = 0; c < f.prior.length; c++) {
        columns.push(
          g.op('LabelEncoder', [x], { keys_strings: f.categories, values_tensor: { type: DOUBLE, dims: [f.categories.length], values: f.values.map((v) => v[c]) }, default_tensor: { type: DOUBLE, dims: [1], values: [f.prior[c]] } }, 'ml'),
        );
      }
    }
  }
  return { value: columns.length === 1 ? columns[0] : g.op('Concat', columns, { axis: 1 }), width: denseColumnNames(e).length };
}

/**
 * The forest as one TreeEnsemble: our left child is the true branch (value <= threshold, or category in the left set), and
 * missing values follow the learned side. A leaf adding to several outputs (a classification forest's class shares) becomes
 * one copy of its tree per output. Raw scores plus the forest's base: [N, outputs] double.
 */
function treeEnsemble(g: OnnxGraph, forest: Forest, X: string): string {
  const nOutputs = forest.nOutputs;
  const width = forest.leafWidth[0];
  const featureIds: number[] = [];
  const modes: number[] = [];
  const splits: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const trueLeafs: number[] = [];
  const falseLeafs: number[] = [];
  const missingTrue: number[] = [];
  const members: number[] = [];
  const leafTargets: number[] = [];
  const leafWeights: number[] = [];
  const roots: number[] = [];
  const leaf = (node: number, target: number): number => {
    leafTargets.push(target);
    leafWeights.push(width === 1 ? forest.value[node] : forest.leafValues[forest.value[node] + target]);
    return leafTargets.length - 1;
  };
  /** Emit the subtree under `node`; returns [index, isLeaf]. */
  const emit = (node: number, target: number): [number, number] => {
    const f = forest.feature[node];
    if (f < 0) return [leaf(node, target), 1];
    const at = featureIds.length;
    featureIds.push(f);
    const fl = forest.flags[node];
    if ((fl & CATEGORICAL) !== 0) {
      modes.push(6);
      splits.push(0);
      const n = forest.nCategories[f];
      for (let c = 0; c < n; c++) if ((forest.catBits[forest.catOffset[node] + (c >>> 5)] >>> (c & 31)) & 1) members.push(c);
      members.push(NaN);
    } else {
      modes.push(0);
      splits.push(forest.value[node]);
    }
    missingTrue.push((fl & MISSING_LEFT) !== 0 ? 1 : 0);
    trueIds.push(0);
    falseIds.push(0);
    trueLeafs.push(0);
    falseLeafs.push(0);
    const [l, lLeaf] = emit(forest.left[node], target);
    const [r, rLeaf] = emit(forest.right[node], target);
    trueIds[at] = l;
    trueLeafs[at] = lLeaf;
    falseIds[at] = r;
    falseLeafs[at] = rLeaf;
    return [at, 0];
  };
  for (let t = 0; t < forest.roots.length; t++) {
    for (let k = 0; k < (width === 1 ? 1 : width); k++) {
      const target = width === 1 ? forest.treeOutput[t] : k;
      const root = forest.roots[t];
      if (forest.feature[root] < 0) {
        // a tree that is one leaf: a node whose both branches reach that leaf, as the operator defines it
        const l = leaf(root, target);
        roots.push(featureIds.length);
        featureIds.push(0);
        modes.push(0);
        splits.push(0);
        missingTrue.push(0);
        trueIds.push(l);
        falseIds.push(l);
        trueLeafs.push(1);
        falseLeafs.push(1);
      } else roots.push(emit(root, target)[0]);
    }
  }
  const attrs: Parameters<OnnxGraph['op']>[2] = {
    n_targets: nOutputs,
    aggregate_function: 1,
    post_transform: 0,
    tree_roots: roots,
    nodes_featureids: featureIds,
    nodes_modes: { type: UINT8, dims: [modes.length], values: modes },
    nodes_splits: { type: DOUBLE, dims: [splits.length], values: splits },
    nodes_truenodeids: trueIds,
    nodes_falsenodeids: falseIds,
    nodes_trueleafs: trueLeafs,
    nodes_falseleafs: falseLeafs,
    nodes_missing_value_tracks_true: missingTrue,
    leaf_targetids: leafTargets,
    leaf_weights: { type: DOUBLE, dims: [leafWeights.length], values: leafWeights },
  };
  if (members.length > 0) attrs.membership_values = { type: DOUBLE, dims: [members.length], values: members };
  const raw = g.op('TreeEnsemble', [X], attrs, 'ml');
  return Array.from(forest.base).some((b) => b !== 0) ? g.op('Add', [raw, g.double(Array.from(forest.base), [1, nOutputs])]) : raw;
}

/**
 * A forest whose leaves hold class shares, as one TreeEnsembleClassifier (ai.onnx.ml 3/4; numeric splits only, as the forest's
 * dense preprocessing gives): thresholds and weights as double tensors, each leaf voting for every class; the scores come out
 * as float (the operator's output type), within 1e-7 of the shares, and are returned as double [N, classes].
 */
function treeEnsembleClassifier(g: OnnxGraph, forest: Forest, X: string): string {
  const K = forest.leafWidth[0];
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missingTrue: number[] = [];
  const classTrees: number[] = [];
  const classNodes: number[] = [];
  const classIds: number[] = [];
  const classWeights: number[] = [];
  for (let t = 0; t < forest.roots.length; t++) {
    // ids inside a tree count from 0 in visiting order; children are numbered before they are written
    let next = 0;
    const stack: [node: number, id: number][] = [[forest.roots[t], next++]];
    while (stack.length > 0) {
      const [node, id] = stack.pop()!;
      const f = forest.feature[node];
      treeIds.push(t);
      nodeIds.push(id);
      if (f < 0) {
        featureIds.push(0);
        modes.push('LEAF');
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        missingTrue.push(0);
        for (let k = 0; k < K; k++) {
          classTrees.push(t);
          classNodes.push(id);
          classIds.push(k);
          classWeights.push(forest.leafValues[forest.value[node] + k]);
        }
        continue;
      }
      if ((forest.flags[node] & CATEGORICAL) !== 0) throw invalid('ONNX export: a forest with categorical splits has no TreeEnsembleClassifier form');
      const l = next++;
      const r = next++;
      featureIds.push(f);
      modes.push('BRANCH_LEQ');
      values.push(forest.value[node]);
      trueIds.push(l);
      falseIds.push(r);
      missingTrue.push((forest.flags[node] & MISSING_LEFT) !== 0 ? 1 : 0);
      stack.push([forest.right[node], r], [forest.left[node], l]);
    }
  }
  const [, z] = g.node(
    'TreeEnsembleClassifier',
    [X],
    {
      nodes_treeids: treeIds,
      nodes_nodeids: nodeIds,
      nodes_featureids: featureIds,
      nodes_modes: modes,
      nodes_values_as_tensor: { type: DOUBLE, dims: [values.length], values },
      nodes_truenodeids: trueIds,
      nodes_falsenodeids: falseIds,
      nodes_missing_value_tracks_true: missingTrue,
      class_treeids: classTrees,
      class_nodeids: classNodes,
      class_ids: classIds,
      class_weights_as_tensor: { type: DOUBLE, dims: [classWeights.length], values: classWeights },
      classlabels_int64s: Array.from({ length: K }, (_, k) => k),
      post_transform: 'NONE',
    },
    { domain: 'ml', outputs: 2 },
  );
  const scores = g.op('Cast', [z], { to: DOUBLE });
  return Array.from(forest.base).some((b) => b !== 0) ? g.op('Add', [scores, g.double(Array.from(forest.base), [1, K])]) : scores;
}

/**
 * Linear scores and their link, in double: weights are row-major (outputs x (D + 1)), the intercept last in each row;
 * scores = X W^T + b, then the logistic (binary: [1 - p, p]) or softmax, as the learner's own `link`. (LinearClassifier and
 * LinearRegressor hold float32 coefficients and compute in float: 7.8e-6 off on shuttle's probabilities, ~1e-2 on house
 * prices; double arithmetic keeps every learner within 1e-12.)
 */
function linear(g: OnnxGraph, W: Float64Array, outputs: number, D: number, X: string, task: string): string {
  const d = D + 1;
  const weights: number[] = [];
  for (let j = 0; j < D; j++) for (let k = 0; k < outputs; k++) weights.push(W[k * d + j]);
  const intercepts = Array.from({ length: outputs }, (_, k) => W[k * d + D]);
  return link(g, g.op('Add', [g.op('MatMul', [X, g.double(weights, [D, outputs])]), g.double(intercepts, [1, outputs])]), task);
}

/** Raw scores to what the learners answer, as their `link`: logistic as [1 - p, p], softmax, or the values themselves. */
function link(g: OnnxGraph, z: string, task: string): string {
  if (task === 'binary') {
    const p = g.op('Sigmoid', [z]);
    return g.op('Concat', [g.op('Sub', [g.double(1), p]), p], { axis: 1 });
  }
  return task === 'multiclass' ? g.op('Softmax', [z], { axis: 1 }) : z;
}

/**
 * Naive Bayes as the learner's predict: log prior + per numeric feature -0.5 log(2 pi var) - (x - mean)^2 / (2 var) + per
 * categorical feature the log probability of its category; a missing value (or an unknown category) adds nothing; softmax.
 * The numeric part is summed per feature so a missing value can be masked before it joins the sum.
 */
function naiveBayes(g: OnnxGraph, state: ReturnType<TabularModel['fitted']['state']>, X: { value: string; width: number }): string {
  const K = Number(state.meta.classes);
  const kinds = state.meta.kinds as ('numeric' | 'categorical')[];
  const nCats = state.meta.categories as number[];
  const F = kinds.length;
  const logPrior = state.arrays['nb.logPrior'] as Float64Array;
  const mean = state.arrays['nb.mean'] as Float64Array;
  const variance = state.arrays['nb.variance'] as Float64Array;
  const logCat = state.arrays['nb.logCat'] as Float64Array;
  const catOffset = state.arrays['nb.catOffset'] as Int32Array;
  let total = g.double(Array.from(logPrior), [1, K]);
  for (let f = 0; f < F; f++) {
    const x = g.op('Slice', [X.value, g.int64([f]), g.int64([f + 1]), g.int64([1])]);
    const missing = g.op('IsNaN', [x]);
    let contribution: string;
    if (kinds[f] === 'numeric') {
      const mu = Array.from({ length: K }, (_, k) => mean[k * F + f]);
      const s2 = Array.from({ length: K }, (_, k) => variance[k * F + f]);
      const d = g.op('Sub', [x, g.double(mu, [1, K])]);
      const ll = g.op('Sub', [g.double(s2.map((v) => -0.5 * Math.log(2 * Math.PI * v)), [1, K]), g.op('Div', [g.op('Mul', [d, d]), g.double(s2.map((v) => 2 * v), [1, K])])]);
      contribution = g.op('Where', [missing, g.double(0), ll]);
    } else {
      // codes 0..C-1 look up their row; missing and unknown codes (NaN) take the extra row of zeros
      const C = nCats[f];
      const table: number[] = [];
      for (let c = 0; c <= C; c++) for (let k = 0; k < K; k++) table.push(c < C ? logCat[catOffset[f] + k * C + c] : 0);
      const code = g.op('Cast', [g.op('Where', [missing, g.double(C), x])], { to: INT64 });
      contribution = g.op('Reshape', [g.op('Gather', [g.double(table, [C + 1, K]), code], { axis: 0 }), g.int64([-1, K])]);
    }
    total = g.op('Add', [total, contribution]);
  }
  // a row no class can explain (every likelihood 0, e.g. a value 1e308 away from every mean) gets the priors, as predict does
  const lost = g.op('IsInf', [g.op('ReduceMax', [total, g.int64([1])], { keepdims: 1 })]);
  return g.op('Softmax', [g.op('Where', [lost, g.double(Array.from(logPrior), [1, K]), total])], { axis: 1 });
}
