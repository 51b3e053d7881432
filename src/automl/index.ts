export { guardrails, type GuardrailReport } from './guardrails.ts';
export { searchModels, type Candidate, type SearchOptions, type SearchState } from './search.ts';
export { scoreOf, METRICS } from './score.ts';
export { decodeProblem, encodeProblem, evaluateFold, localEvaluator, type Evaluator, type FoldJob, type FoldResult, type Problem } from './evaluate.ts';
export { BLUEPRINTS, type Blueprint, type Dist, type Params } from './space.ts';
export { suggest } from './tpe.ts';
export { greedyEnsemble, type EnsembleChoice } from './ensemble.ts';
export { modelInsights, partialDependence, permutationImpact, predictionInsights, type Insights } from './insights.ts';
export { CLUSTER_TARGET, clusterProfiles, searchClusters, type ClusterProfile, type ClusterSearchOptions } from './cluster.ts';
