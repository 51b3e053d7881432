export { registerModel, registerStoredBundle, importOnnxModel, resolveModelVersion, loadModel, loadVersion, type LoadedModel } from './registry.ts';
export { parseModelRef, type ModelRef } from './refs.ts';
export { bundlePredictionRows, encodeBundle, decodeBundle, monitoredOutput, outputsOf, type Bundle, type BundleManifest, type Lineage, MANIFEST_FILE } from './bundle/format.ts';
export { writeBundleDir, readBundleDir, writeBundleFiles, type StoredBundle } from './bundle/fs.ts';
export { putBundle, getBundle } from './bundle/store.ts';
export { draftCard, type CardFacts } from './card.ts';
