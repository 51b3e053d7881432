import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, tempHome } from './helpers.ts';

/*
 * Capstan as someone else's dependency: the packed tarball installed into an empty project with --omit=dev and no extra
 * environment (native modules build as they would for a user; onnxruntime-node, an optional peer, is not installed), then
 * the CLI and the SDK used from there. One install serves every case (better-sqlite3 compiles from source here, ~75 s).
 */
describe('the packed package installs into an empty project and runs compiled JavaScript only', () => {
  const work = tempHome();
  const project = join(work, 'consumer');
  const home = join(work, 'home');
  const run = (cmd: string, args: string[], cwd = project, timeout = 600_000) => {
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, CAPSTAN_HOME: home } });
    return { status: r.status, out: r.stdout + r.stderr };
  };
  let tarball = '';

  it('packs dist/, bin/, the web UI build and the example, without sources, tests, benchmarks or CI files', () => {
    const build = run(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], ROOT);
    assert.equal(build.status, 0, build.out);
    const pack = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, info.filename);
    const paths = info.files.map((f) => f.path);
    assert.ok(paths.includes('dist/cli/main.js') && paths.includes('dist/sdk/index.d.ts') && paths.includes('bin/capstan.js'));
    assert.ok(paths.includes('examples/telco-churn/telco_churn.csv'), 'the quickstart\'s data');
    assert.ok(paths.includes('ui/dist/index.html') && paths.some((p) => /^ui\/dist\/assets\/index-[\w-]+\.js$/.test(p)), 'the web UI\'s build');
    for (const p of paths) assert.ok(!/^(src|test|bench|scripts|\.ci)\//.test(p) && !/^ui\/(?!dist\/)/.test(p) && !p.endsWith('.test.js'), `${p} is not shipped`);
  });

  it('installs with --omit=dev (no tsx, no onnxruntime-node) and the CLI answers: --version, train, predict', () => {
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    const install = run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball]);
    assert.equal(install.status, 0, install.out);
    const modules = readdirSync(join(project, 'node_modules'));
    assert.ok(!modules.includes('tsx') && !modules.includes('typescript'), 'no development dependencies');
    assert.ok(!modules.includes('onnxruntime-node'), 'onnxruntime-node is optional: not installed');
    const pkg = join(project, 'node_modules', 'capstan');
    assert.ok(!existsSync(join(pkg, 'src')));
    const version = run('npx', ['--no-install', 'capstan', '--version']);
    assert.equal(version.status, 0, version.out);
    assert.equal(version.out.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const data = join(pkg, 'examples', 'telco-churn', 'telco_churn.csv');
    const train = run('npx', ['--no-install', 'capstan', 'train', data, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=5', '--register', 'churn']);
    assert.equal(train.status, 0, train.out);
    const predict = run('npx', ['--no-install', 'capstan', 'predict', '--model', 'churn', '--input', data, '--output', join(work, 'scored.csv')]);
    assert.equal(predict.status, 0, predict.out);
    assert.equal(readFileSync(join(work, 'scored.csv'), 'utf8').split('\n')[0], 'prediction,proba_No,proba_Yes,prediction_id');
  });

  it('ONNX models without onnxruntime-node: a clear message that says how to add it', () => {
    // export needs no runtime; importing one does (the graph is checked by scoring a row before it is registered)
    assert.equal(run('npx', ['--no-install', 'capstan', 'deploy', 'churn', '--target', 'onnx', '--out', join(work, 'onnx')]).status, 0);
    const r = run('npx', ['--no-install', 'capstan', 'models', 'import', join(work, 'onnx', 'model.onnx'), '--name', 'foreign']);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /ONNX models need onnxruntime-node, an optional dependency of Capstan: npm install onnxruntime-node@1\.30\.0 --ignore-scripts/);
    assert.doesNotMatch(r.out, /at .*\.js:\d+/, 'no stack trace');
  });

  it('the SDK cannot be imported: now `import { CapstanClient } from \'capstan\'` type-checks against the shipped declarations and runs', () => {
    writeFileSync(
      join(project, 'main.ts'),
      `import { CapstanClient } from 'capstan';
import type { MetadataStore, ModelVersion, RegisteredModel } from 'capstan';

const store: MetadataStore = new CapstanClient('http://127.0.0.1:1', 'token');
export async function champion(name: string): Promise<number | null> {
  const m: RegisteredModel = await store.models.getModel(name);
  const v: ModelVersion | undefined = m.aliases.champion ? await store.models.getVersion(name, m.aliases.champion) : undefined;
  return v?.version ?? null;
}
// @ts-expect-error a wrong argument type is caught
store.models.getVersion('x', 'one');
`,
    );
    // a TypeScript project on Node has Node's types; Capstan's declarations need nothing else (not even onnxruntime-node's)
    const types = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--save-dev', `@types/node@${JSON.parse(readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')).version}`]);
    assert.equal(types.status, 0, types.out);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['main.ts'] }));
    const tsc = run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project]);
    assert.equal(tsc.status, 0, tsc.out);
    const loaded = run(process.execPath, ['--input-type=module', '-e', "const m = await import('capstan'); console.log(typeof m.CapstanClient, typeof m.runAutoml)"]);
    assert.equal(loaded.status, 0, loaded.out);
    assert.equal(loaded.out.trim(), 'function function');
  });
});
