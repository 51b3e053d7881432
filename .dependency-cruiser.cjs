/**
 * The layers DESIGN.md draws, enforced in `npm test` (`npm run lint:layers`; test/layers.test.ts checks the rules catch what
 * they should). Each folder of src/ may import only the folders below it; drivers live only in their adapter folders;
 * nothing outside store/ reaches into the SQL adapters; no cycles. Test files are left out: they may reach anywhere.
 */

/** Folder -> the folders it may import (besides itself). Read bottom to top. */
const LAYERS = {
  core: [],
  threads: ['core'],
  stats: ['core'],
  // the API's contract: route declarations and schemas, shared by the server and the SDK
  api: ['core'],
  store: ['core', 'threads'],
  queue: ['core'],
  deploy: ['core'],
  data: ['core', 'threads', 'stats', 'store'],
  learn: ['core', 'threads', 'stats'],
  onnx: ['core', 'learn'],
  registry: ['core', 'learn', 'onnx', 'store', 'stats'],
  monitor: ['core', 'stats', 'store', 'learn', 'registry'],
  // the automl component runs a search: automl is below pipeline (it never imports it)
  pipeline: ['core', 'api', 'threads', 'stats', 'store', 'data', 'learn', 'registry', 'monitor', 'queue', 'automl', 'deploy'],
  automl: ['core', 'threads', 'stats', 'store', 'data', 'learn', 'onnx', 'registry', 'monitor', 'queue'],
  serve: ['core', 'threads', 'stats', 'store', 'learn', 'onnx', 'registry', 'monitor'],
  server: ['core', 'api', 'stats', 'store', 'registry', 'serve', 'monitor', 'pipeline'],
  sdk: ['core', 'api', 'store', 'automl', 'onnx', 'registry', 'serve'],
  cli: null, // the top: may import anything
};

/** Driver packages -> the only place (a path pattern under src/) that may import them. */
const DRIVERS = {
  'better-sqlite3': 'store/sqlite/',
  pg: 'store/postgres/',
  'bullmq|ioredis': 'queue/',
  '@duckdb/node-api': 'data/ingest/',
  'onnxruntime-node': 'onnx/runtime\\.ts$',
  '@aws-sdk/[^/]+': 'store/s3/',
};

const layerRules = Object.entries(LAYERS)
  .filter(([, allowed]) => allowed !== null)
  .map(([folder, allowed]) => ({
    name: `layer-${folder}`,
    comment: `src/${folder}/ may import only ${allowed.length ? allowed.join(', ') : 'nothing else in src'} (DESIGN.md's layers)`,
    severity: 'error',
    from: { path: `(^|/)src/${folder}/`, pathNot: '\\.test\\.ts$' },
    to: { path: '(^|/)src/', pathNot: `(^|/)src/(${[folder, ...allowed].join('|')})/` },
  }));

const driverRules = Object.entries(DRIVERS).map(([pkg, home]) => ({
  name: `driver-${pkg.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}`,
  comment: `${pkg} is imported only in src/${home}`,
  severity: 'error',
  from: { path: '(^|/)src/', pathNot: [`(^|/)src/${home}`, '\\.test\\.ts$'] },
  to: { path: `(^|/)node_modules/(${pkg})/` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no import cycles', severity: 'error', from: { pathNot: '\\.test\\.ts$' }, to: { circular: true } },
    {
      name: 'store-adapters-sealed',
      comment: 'outside store/, the store is reached through its index (interfaces and factories), never its SQL adapters',
      severity: 'error',
      from: { path: '(^|/)src/', pathNot: ['(^|/)src/store/', '\\.test\\.ts$'] },
      to: { path: '(^|/)src/store/(sql|sqlite|postgres|s3|fs)/' },
    },
    ...layerRules,
    ...driverRules,
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
