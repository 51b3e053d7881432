/**
 * The package's entry point (`import { CapstanClient } from 'capstan'`): the typed client of a Capstan server, the store
 * interfaces and record types it implements, and what runs where the data is (AutoML, ONNX export and import, prediction).
 * @example
 * import { CapstanClient } from 'capstan';
 * const store = new CapstanClient('http://127.0.0.1:7707', process.env.CAPSTAN_TOKEN!);
 * const champion = await store.models.resolveAlias('churn', 'champion');
 */
export { CapstanClient, type CallArgs } from './client.ts';
// every route's declaration: `client.call(api.getRun, { params: { runId } })` is typed by it
export { api, mlflow, type BodyOf, type QueryOf, type ResultOf, type Contract } from '../api/index.ts';
export type * from '../store/metadata-store.ts';
export type * from '../store/types.ts';
export type { TrafficSpec, VersionPick } from '../store/traffic.ts';
export { CapstanError, type ErrorCode } from '../core/errors.ts';
// AutoML runs where the data is: against local stores (openStores) or any MetadataStore-backed Stores
export { runAutoml, type AutomlContext, type AutomlReport, type AutomlRequest } from '../automl/index.ts';
export { openStores, type Stores } from '../store/index.ts';
// ONNX: export a trained model, or register one trained elsewhere (its signature read from the graph)
export { exportOnnx } from '../onnx/index.ts';
export { importOnnxModel, loadModel } from '../registry/index.ts';
export { predictLoaded } from '../serve/predictor.ts';
