export { guardrails, type GuardrailReport } from './guardrails.ts';
export { searchModels, scoreOf, METRICS, type Candidate, type SearchOptions, type SearchState } from './search.ts';
export { BLUEPRINTS, type Blueprint, type Dist, type Params } from './space.ts';
export { suggest } from './tpe.ts';
export { greedyEnsemble, type EnsembleChoice } from './ensemble.ts';
export { modelInsights, partialDependence, permutationImpact, predictionInsights, type Insights } from './insights.ts';
