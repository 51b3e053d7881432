export { ServedModel } from './served-model.ts';
export { parseInferRequest, inferResponseOutputs, modelMetadata, datatypeOf, type V2Tensor } from './v2.ts';
