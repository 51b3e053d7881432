/**
 * TypeBox's builder, the one value the API's declarations take from it. The build bundles this module into one file: TypeBox
 * is ~150 small modules that take ~120 ms to import, bundled ~15 ms, and every process that loads the API's schemas (the
 * server, the SDK, the pipeline commands) starts that much sooner. Types still come from '@sinclair/typebox'.
 */
export { Type } from '@sinclair/typebox';
