export { exportOnnx } from './export.ts';
