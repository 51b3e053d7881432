export { guardrails, type GuardrailReport } from './guardrails.ts';
export { searchModels, METRICS, type Candidate, type SearchOptions, type SearchState } from './search.ts';
export { BLUEPRINTS, type Blueprint, type Dist, type Params } from './space.ts';
export { suggest } from './tpe.ts';
