// npm run check:container: build the image `capstan deploy --target docker` describes, run it, and score a row from the host.
// No Docker engine or image registry here: Debian's podman builds and runs it (runc runtime), and the base image the
// Dockerfile names (node:20-bookworm-slim) is made locally once, from Debian's packages (debootstrap) plus this machine's
// Node, and kept in podman's image store for later runs. Exits 0 when the container answered, 1 with the reason otherwise.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BASE = 'docker.io/library/node:20-bookworm-slim';
const IMAGE = 'localhost/capstan-container-check:latest';
const CACHE = process.env.CAPSTAN_CONTAINER_CACHE ?? '/var/cache/capstan';
// runc, and limits podman's defaults would leave unset here
const RUN_FLAGS = ['--runtime', 'runc', '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=1024:1024', '--network', 'host'];

const log = (line) => process.stdout.write(`check:container: ${line}\n`);
function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').slice(-2000)}`);
  return r.stdout;
}
const podman = (args, opts) => sh('podman', args, opts);

/**
 * The base image: a minimal Debian bookworm with this machine's Node 20 and npm, as node:20-bookworm-slim lays them out, and
 * what npm needs on this network: the machine's certificate authorities (TLS to the registry goes through them) and Node's
 * headers for native modules (node-gyp would download them from nodejs.org, which is unreachable here). The image is tagged
 * with a label holding BASE_VERSION, so a change here rebuilds it.
 */
const BASE_VERSION = '2';
function ensureBase() {
  const label = spawnSync('podman', ['image', 'inspect', '--format', '{{ index .Labels "capstan.base" }}', BASE], { encoding: 'utf8' });
  if (label.status === 0 && label.stdout.trim() === BASE_VERSION) return log(`base image ${BASE} found (cached)`);
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) throw new Error(`the base image needs this machine's Node 20 (found ${process.version})`);
  const rootfs = join(CACHE, 'rootfs-bookworm');
  if (!existsSync(join(rootfs, 'etc', 'debian_version'))) {
    log('making the base image: debootstrap bookworm (minbase), once');
    rmSync(rootfs, { recursive: true, force: true });
    mkdirSync(CACHE, { recursive: true });
    sh('debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian']);
  }
  const npmDir = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  mkdirSync(join(rootfs, 'usr', 'local', 'bin'), { recursive: true });
  cpSync(process.execPath, join(rootfs, 'usr', 'local', 'bin', 'node'));
  rmSync(join(rootfs, 'usr', 'local', 'lib', 'node_modules', 'npm'), { recursive: true, force: true });
  cpSync(npmDir, join(rootfs, 'usr', 'local', 'lib', 'node_modules', 'npm'), { recursive: true });
  for (const [bin, target] of [['npm', 'npm-cli.js'], ['npx', 'npx-cli.js']]) {
    rmSync(join(rootfs, 'usr', 'local', 'bin', bin), { force: true });
    symlinkSync(`../lib/node_modules/npm/bin/${target}`, join(rootfs, 'usr', 'local', 'bin', bin));
  }
  const headers = join(dirname(process.execPath), '..', 'include', 'node');
  if (!existsSync(join(headers, 'node_api.h'))) throw new Error(`Node's headers are not at ${headers} (native modules need them)`);
  rmSync(join(rootfs, 'usr', 'local', 'include', 'node'), { recursive: true, force: true });
  cpSync(headers, join(rootfs, 'usr', 'local', 'include', 'node'), { recursive: true });
  const cas = '/etc/ssl/certs/ca-certificates.crt';
  mkdirSync(join(rootfs, 'etc', 'ssl', 'certs'), { recursive: true });
  if (existsSync(cas)) cpSync(cas, join(rootfs, 'etc', 'ssl', 'certs', 'ca-certificates.crt'));
  mkdirSync(join(rootfs, 'usr', 'local', 'etc'), { recursive: true });
  writeFileSync(join(rootfs, 'usr', 'local', 'etc', 'npmrc'), `nodedir=/usr/local\n${existsSync(cas) ? 'cafile=/etc/ssl/certs/ca-certificates.crt\n' : ''}fund=false\naudit=false\nupdate-notifier=false\n`);
  log(`importing ${BASE}`);
  const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 2 * 1024 ** 3 });
  if (tar.status !== 0) throw new Error(`tar of the root filesystem failed: ${tar.stderr}`);
  podman(['import', '--change', 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin', '--change', 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt', '--change', `LABEL capstan.base=${BASE_VERSION}`, '--change', 'CMD ["node"]', '-', BASE], { input: tar.stdout });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function main() {
  if (spawnSync('podman', ['--version']).status !== 0) throw new Error('podman is not installed (apt-get install podman runc debootstrap)');
  ensureBase();
  const work = mkdtempSync(join(tmpdir(), 'capstan-container-'));
  const home = join(work, 'home');
  const cli = (args) => sh(process.execPath, [join(ROOT, 'bin', 'capstan.js'), ...args], { env: { ...process.env, CAPSTAN_HOME: home } });
  const port = await freePort();
  let container = null;
  try {
    log('training and registering a small telco model');
    cli(['train', join(ROOT, 'examples', 'telco-churn', 'telco_churn.csv'), '--target', 'churn', '--cv', '0', '--param', 'n_estimators=20', '--register', 'churn']);
    const context = join(work, 'context');
    cli(['deploy', 'churn', '--target', 'docker', '--out', context, '--port', String(port), '--image', IMAGE]);
    const dockerfile = readFileSync(join(context, 'Dockerfile'), 'utf8');
    if (!dockerfile.includes(`FROM node:20-bookworm-slim`)) throw new Error('the Dockerfile no longer names node:20-bookworm-slim; update the base image here');
    log(`building ${IMAGE} from ${context} (podman, --pull=never)`);
    const t0 = Date.now();
    podman(['build', '--pull=never', ...RUN_FLAGS, '-t', IMAGE, context], { stdio: ['ignore', 'pipe', 'pipe'] });
    log(`built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    container = podman(['run', '-d', ...RUN_FLAGS, IMAGE]).trim();
    const url = `http://127.0.0.1:${port}`;
    let ready = false;
    for (let i = 0; i < 120 && !ready; i++) {
      try {
        ready = (await fetch(`${url}/v2/health/ready`)).status === 200;
      } catch {
        // not listening yet
      }
      if (!ready) await new Promise((r) => setTimeout(r, 500));
    }
    if (!ready) throw new Error(`the container never became ready on ${url}: ${spawnSync('podman', ['logs', container], { encoding: 'utf8' }).stderr.slice(-2000)}`);
    const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };
    const res = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: [row] }) });
    const body = await res.json();
    if (res.status !== 200 || !Array.isArray(body.predictions)) throw new Error(`scoring a row answered ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
    // the image runs compiled JavaScript only
    const listing = podman(['exec', container, 'ls', '/usr/local/lib/node_modules/capstan']);
    if (/\bsrc\b/.test(listing) || !/\bdist\b/.test(listing)) throw new Error(`the installed package should hold dist/ and no src/: ${listing}`);
    log(`ready and scoring: ${JSON.stringify(body.predictions)} (prediction ${body.prediction_id}) from ${url}`);
  } finally {
    if (container) spawnSync('podman', ['rm', '-f', container]);
    spawnSync('podman', ['rmi', '-f', IMAGE]);
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`check:container: ${e.message}\n`);
    process.exit(1);
  },
);
