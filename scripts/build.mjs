// Compile src/ to dist/ (JavaScript and type declarations). `npm run build` always builds; `npm install` and `npm ci` in a
// checkout run it as `prepare` with --if-stale, which leaves a build newer than every source alone. The package ships dist/
// and runs it alone; in a checkout the CLI starts from dist/ while it is fresh (~0.3 s faster than compiling through tsx on
// each start) and from the sources otherwise, so a stale or missing build is never run.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtIsFresh } from '../bin/fresh.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ifStale = process.argv.includes('--if-stale');

// the web UI (ui/, a workspace): Vite builds it into ui/dist, which `capstan server` serves at /
const ui = join(root, 'ui');
const uiBuilt = join(ui, 'dist', 'index.html');
const newestUiSource = () =>
  Math.max(...[join(ui, 'index.html'), join(ui, 'vite.config.ts'), ...readdirSync(join(ui, 'src'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))].map((f) => statSync(f).mtimeMs));
if (existsSync(join(ui, 'src')) && (!ifStale || !existsSync(uiBuilt) || statSync(uiBuilt).mtimeMs < newestUiSource())) {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    console.error('build: Vite is not installed (npm install, with dev dependencies, first)');
    process.exit(1);
  }
  const u = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: ui, stdio: 'inherit' });
  if (u.status !== 0) process.exit(u.status ?? 1);
}
if (ifStale && builtIsFresh(root)) process.exit(0);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  console.error('build: TypeScript is not installed (npm install, with dev dependencies, first)');
  process.exit(1);
}
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}
// plain JavaScript modules of the sources (worker bootstraps) go beside the compiled ones
for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.mjs')) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join(dist, from.slice(join(root, 'src').length + 1)));
}
// TypeBox's builder as one file (src/api/typebox.ts says why): ~150 modules to import otherwise
const { build } = await import('esbuild');
await build({ entryPoints: [join(root, 'src', 'api', 'typebox.ts')], outfile: join(dist, 'api', 'typebox.js'), bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning', allowOverwrite: true });
// the pipeline file's check as ajv's standalone code (src/pipeline/define/spec-check.ts says why), bundled with the few ajv
// runtime helpers it calls
{
  const [{ Ajv2020 }, { default: standaloneCode }, { PipelineSpecSchema }] = await Promise.all([import('ajv/dist/2020.js'), import('ajv/dist/standalone/index.js'), import(join(dist, 'pipeline', 'define', 'schema.js'))]);
  const ajv = new Ajv2020({ strict: false, verbose: true, validateSchema: false, code: { source: true, esm: true } });
  const generated = join(dist, 'pipeline', 'define', 'spec-check.generated.mjs');
  const entry = join(dist, 'pipeline', 'define', 'spec-check.entry.mjs');
  writeFileSync(generated, standaloneCode(ajv, ajv.compile(PipelineSpecSchema)));
  writeFileSync(entry, "export { default as checkSpec } from './spec-check.generated.mjs';\n");
  await build({ entryPoints: [entry], outfile: join(dist, 'pipeline', 'define', 'spec-check.js'), bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning', allowOverwrite: true });
  rmSync(generated);
  rmSync(entry);
}
// written last: the build is complete from here on
writeFileSync(join(dist, '.built'), `${new Date().toISOString()}\n`);
