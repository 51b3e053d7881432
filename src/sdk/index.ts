export { CapstanClient } from './client.ts';
// AutoML runs where the data is: against local stores (openStores) or any MetadataStore-backed Stores
export { runAutoml, type AutomlContext, type AutomlReport, type AutomlRequest } from '../automl/index.ts';
export { openStores } from '../store/index.ts';
// ONNX: export a trained model, or register one trained elsewhere (its signature read from the graph)
export { exportOnnx } from '../onnx/index.ts';
export { importOnnxModel, loadModel } from '../registry/index.ts';
export { predictLoaded } from '../serve/predictor.ts';
