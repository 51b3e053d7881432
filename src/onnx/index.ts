export { exportOnnx, onnxBlocker, ONNX_LEARNERS } from './export.ts';
