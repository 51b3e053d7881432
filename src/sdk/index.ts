export { CapstanClient } from './client.ts';
// AutoML runs where the data is: against local stores (openStores) or any MetadataStore-backed Stores
export { runAutoml, type AutomlContext, type AutomlReport, type AutomlRequest } from '../automl/index.ts';
export { openStores } from '../store/index.ts';
