import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CapstanError, invalid } from '../../core/errors.ts';
import { checkDeploySpec, deployName, dockerfile, kserveManifest, kubernetesManifests, manifestsYaml, validateManifest, type DeploySpec } from '../../deploy/index.ts';
import { loadModel, parseModelRef, writeBundleFiles } from '../../registry/index.ts';
import { parseIntOption, stores } from '../common.ts';
import type { LoadedModel } from '../../registry/index.ts';

const TARGETS = ['docker', 'kubernetes', 'kserve', 'onnx'];
const PACKAGE_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..', '..');

interface DeployOptions {
  target: string;
  out: string;
  name?: string;
  image?: string;
  port: string;
  replicas: string;
  maxReplicas: string;
  cpu: string;
  memory: string;
  workers: string;
  force?: boolean;
}

/** The model as one ONNX file: one input per feature column, outputs as `exportOnnx` documents. */
async function writeOnnx(loaded: LoadedModel, out: string, shown: string): Promise<void> {
  const { exportOnnx } = await import('../../onnx/index.ts');
  // a model imported as ONNX goes out as it came in
  const bytes = loaded.model ? exportOnnx(loaded.model) : loaded.onnx!;
  const { inputs: features, outputs: answers } = loaded.manifest.signature;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'model.onnx'), bytes);
  const inputs = loaded.model ? features.map((f) => `${f.name} (${f.kind === 'numeric' ? 'double' : 'string'} [N,1])`) : features.map((f) => f.name);
  const outputs = loaded.model ? (loaded.model.target.task === 'regression' ? 'variable (double [N,1])' : `label (string [N]), probabilities (double [N,${loaded.model.target.classes!.length}])`) : answers.map((a) => a.name).join(', ');
  process.stdout.write(`wrote model.onnx (${bytes.length} bytes) to ${out}\n  inputs: ${inputs.join(', ')}\n  outputs: ${outputs}\n  (run ${join(shown, 'model.onnx')} with onnxruntime, ai.onnx.ml opset 5)\n`);
}

/**
 * The Capstan package as a tarball in `out`, built from the compiled JavaScript: in a checkout whose build is stale the build
 * runs first (this CLI then runs from the sources, so nothing it uses is replaced); the pack itself runs no scripts.
 */
function packPackage(out: string): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  const build = join(PACKAGE_ROOT, 'scripts', 'build.mjs');
  if (existsSync(join(PACKAGE_ROOT, 'src')) && existsSync(build)) {
    const b = spawnSync(process.execPath, [build, '--if-stale'], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new CapstanError('UNAVAILABLE', `building the package failed: ${(b.stderr || b.stdout).slice(0, 300)}`);
  }
  return spawnSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', out], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
}

export function deployCommand(program: Command): void {
  program
    .command('deploy')
    .description('write what deploys a model: a Docker build context, Kubernetes or KServe manifests (validated against the API schemas), or an ONNX file')
    .argument('<ref>', 'NAME, NAME@alias, NAME:version or a bundle directory')
    .requiredOption('--target <target>', `one of ${TARGETS.join(', ')}`)
    .requiredOption('--out <dir>', 'an empty or new folder to write into')
    .option('--name <name>', 'the Kubernetes name (default: the model name)')
    .option('--image <image>', 'the image to build and run (default capstan-NAME:VERSION)')
    .option('--port <n>', 'the container port', '8080')
    .option('--replicas <n>', 'replicas (the autoscaler minimum)', '2')
    .option('--max-replicas <n>', 'the autoscaler maximum', '10')
    .option('--cpu <cpu>', 'CPU request and limit per replica', '1')
    .option('--memory <mem>', 'memory request and limit per replica', '512Mi')
    .option('--workers <n>', 'serving processes per replica', '1')
    .option('--force', 'write into a folder that is not empty')
    .action(async (ref: string, o: DeployOptions) => {
      if (!TARGETS.includes(o.target)) throw invalid(`--target must be one of ${TARGETS.join(', ')}, got "${o.target}"`);
      const port = parseIntOption('--port', o.port, 1, 65535);
      const replicas = parseIntOption('--replicas', o.replicas, 1, 1000);
      const maxReplicas = parseIntOption('--max-replicas', o.maxReplicas, replicas, 10_000);
      const workers = parseIntOption('--workers', o.workers, 1, 64);
      const out = resolve(o.out);
      if (existsSync(out) && readdirSync(out).length > 0 && !o.force) throw invalid(`--out ${o.out} is not empty (use --force to write into it)`);
      const s = parseModelRef(ref).kind === 'dir' ? null : await stores();
      const loaded = await loadModel(s, ref).finally(() => s?.metadata.close());
      if (o.target === 'onnx') return writeOnnx(loaded, out, o.out);
      const name = o.name ?? deployName(loaded.name);
      const spec: DeploySpec = { name, model: loaded.name, version: loaded.version, image: o.image ?? `capstan-${name}:${loaded.version ?? 'latest'}`, port, replicas, maxReplicas, cpu: o.cpu, memory: o.memory, workers };
      checkDeploySpec(spec, (f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      const image = spec.image;
      // every manifest is checked before anything is written
      const manifests = o.target === 'kubernetes' ? kubernetesManifests(spec) : o.target === 'kserve' ? [kserveManifest(spec)] : [];
      for (const m of manifests) validateManifest(m);

      mkdirSync(out, { recursive: true });
      writeBundleFiles(join(out, 'model'), loaded);
      const pack = packPackage(out);
      const tarball = pack.stdout.trim().split('\n').pop() ?? '';
      if (pack.status !== 0 || !tarball.endsWith('.tgz')) throw new CapstanError('UNAVAILABLE', `npm pack failed: ${pack.stderr.slice(0, 300)}`);
      writeFileSync(join(out, 'Dockerfile'), dockerfile(spec, tarball, loaded.onnx !== null));
      writeFileSync(join(out, '.dockerignore'), '*\n!Dockerfile\n!model\n!' + tarball + '\n');
      const written = ['Dockerfile', 'model/', tarball];
      if (manifests.length) {
        const file = o.target === 'kserve' ? 'inferenceservice.yaml' : 'kubernetes.yaml';
        writeFileSync(join(out, file), manifestsYaml(manifests));
        written.push(file);
      }
      process.stdout.write(`wrote ${written.join(', ')} to ${out}\n  docker build -t ${image} ${o.out}${manifests.length ? `\n  kubectl apply -f ${join(o.out, written[written.length - 1])}` : `\n  docker run -p ${port}:${port} ${image}`}\n`);
    });
}
