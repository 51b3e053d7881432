/** The files of a model bundle (a module of its own: what only needs the names loads nothing else). */
export const MANIFEST_FILE = 'capstan-model.json';
export const ARRAYS_FILE = 'arrays.bin';
/** The graph of a model imported as ONNX, kept as it came */
export const ONNX_FILE = 'model.onnx';
