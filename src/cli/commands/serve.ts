import cluster from 'node:cluster';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { invalid } from '../../core/errors.ts';
import { loadModel, parseModelRef, type LoadedModel } from '../../registry/index.ts';
import { createServingHooks, startRetention, warmUpRequests, type MetricsSnapshot, type ServingMetrics } from '../../serve/index.ts';
import { checkTokenStrength, createApp, createAuthenticator, listen, SingleModelProvider, warmUpServer } from '../../server/index.ts';
import { storeUri } from '../../store/index.ts';
import { parseIntOption, stores } from '../common.ts';
import { retentionOptions, retentionRules } from '../retention.ts';
import { untilSignal } from '../serving.ts';

interface ServeOptions {
  port: string;
  host: string;
  tokenFile?: string;
  workers: string;
  warmUp: string;
  log: boolean;
  monitor: boolean;
  maxInFlight: string;
  logMaxAge?: string[];
  logMaxRecords?: string[];
}

export function serveCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('serve one model over HTTP: KServe V2 (/v2/models/NAME/infer) and MLflow scoring (POST /invocations)')
    .argument('<ref>', 'NAME, NAME@alias, NAME:version or a bundle directory')
    .option('--port <n>', 'port', '7707')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--token-file <file>', 'require "Authorization: Bearer <token>" with the token in this file')
    .option('--workers <n|auto>', 'processes sharing the port (each loads the model once); auto: one per available core', 'auto')
    .option('--warm-up <requests>', 'requests each process sends itself (signature-made rows, not logged or counted) before it listens, so the first clients do not pay for compilation; 0: none', '1000')
    .option('--no-log', 'do not write predictions to the prediction log of the local store')
    .option('--no-monitor', 'do not count answers into monitoring windows (capstan monitor and the drift route then see nothing of this process)')
    .option('--max-in-flight <n>', 'prediction requests handled at once per process; past it, 503 with Retry-After', '1024');
  retentionOptions(command).action(async (ref: string, o: ServeOptions) => {
      const port = parseIntOption('--port', o.port, 0, 65535);
      const workers = o.workers === 'auto' ? Math.min(64, availableParallelism()) : parseIntOption('--workers', o.workers, 1, 64);
      const warm = parseIntOption('--warm-up', o.warmUp, 0, 1_000_000);
      const maxInFlight = parseIntOption('--max-in-flight', o.maxInFlight, 1, 1_000_000);
      retentionRules(o);
      let token: string | null = null;
      if (o.tokenFile) {
        try {
          token = readFileSync(o.tokenFile, 'utf8').trim();
        } catch {
          throw invalid(`cannot read --token-file ${o.tokenFile}`);
        }
        checkTokenStrength(`--token-file ${o.tokenFile}`, token);
      }
      if (workers > 1 && cluster.isPrimary) {
        // a port that cannot be had is said once, by the primary, before any worker loads the model
        if (port !== 0) {
          const probe = createServer();
          await listen(probe, port, o.host);
          await new Promise((r) => probe.close(r));
        }
        return primary(ref, o.host, workers);
      }
      try {
        await serveHere(ref, o, { port, maxInFlight, warm }, token);
      } finally {
        // a worker's channel to the primary would keep it running once it is done, or has failed (the primary then
        // hears of the failure by its exit code)
        if (cluster.isWorker) cluster.worker?.disconnect();
      }
    });
}

/** Serve in this process: alone, or as one of the primary's workers. */
async function serveHere(ref: string, o: ServeOptions, { port, maxInFlight, warm }: { port: number; maxInFlight: number; warm: number }, token: string | null): Promise<void> {
  // the store holds the registry (for a name) and the prediction log
  const s = parseModelRef(ref).kind === 'dir' && !o.log ? null : await stores();
  const loaded = await loadModel(parseModelRef(ref).kind === 'dir' ? null : s, ref);
  const log = (l: string) => process.stderr.write(l + '\n');
  await warmUp(loaded, warm, log);
  // the workers listen together, once all are warm: a worker that listened alone would take the first clients while the
  // others still warmed up on the same cores
  if (cluster.isWorker) await allWarm();
  // of several workers, the first checkpoints the store's WAL for all (a second checkpointer only holds writes off again;
  // a worker that fails stops the others; what is written after the first has exited waits in the WAL for the next
  // connection's checkpoint)
  const hooks = createServingHooks(o.log ? storeUri(s!.home) : null, { onError: log, monitor: o.monitor, ...(cluster.isWorker ? { collect: clusterCollector(() => hooks.metrics), checkpoints: cluster.worker?.id === 1 } : {}) });
  if (cluster.isWorker) answerSnapshots(hooks.metrics);
  const { server, drain } = createApp({ models: new SingleModelProvider(loaded, loaded.name), stores: null, authenticate: token ? createAuthenticator(token, null) : null, serving: hooks, maxInFlight, log });
  const bound = await listen(server, port, o.host);
  // the log's retention, applied by one serving process (the first worker)
  const retention = startRetention(hooks.log && (!cluster.isWorker || cluster.worker?.id === 1) ? (rule, opts) => hooks.log!.prune(rule, opts) : null, retentionRules(o), { onError: log });
  const what = `${loaded.name}${loaded.version ? ` version ${loaded.version}` : ''}`;
  if (cluster.isWorker) process.send?.({ listening: bound, what, name: loaded.name });
  else process.stdout.write(`serving ${what} on http://${o.host}:${bound} (POST /invocations, POST /v2/models/${loaded.name}/infer); Ctrl-C to stop\n`);
  await untilSignal(server, undefined, drain);
  await retention.stop();
  await hooks.close();
  await s?.metadata.close();
}

/**
 * Answer `requests` made from the model's signature through a throwaway app of its own (loopback, ephemeral port, no log, no
 * monitoring), so that a fresh process's first clients are not the ones who pay for compiling the model and HTTP paths (its
 * p99 was 2-5 ms higher for its first seconds). At most 3 s; a failure is reported and serving goes on without it.
 */
async function warmUp(loaded: LoadedModel, requests: number, log: (l: string) => void): Promise<void> {
  if (requests === 0) return;
  const hooks = createServingHooks(null);
  const { server } = createApp({ models: new SingleModelProvider(loaded, loaded.name), stores: null, authenticate: null, serving: hooks, log });
  try {
    await warmUpServer(server, warmUpRequests(loaded.name, loaded.manifest.signature.inputs), { total: requests, maxMs: 3_000 });
  } catch (e) {
    log(`warm-up: ${(e as Error).message}; serving without it`);
  } finally {
    await hooks.close();
  }
}

/** Tell the primary this worker is warm, and wait until it says every worker is. */
function allWarm(): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: { type?: string }) => {
      if (m.type !== 'listen') return;
      process.off('message', on);
      resolve();
    };
    process.on('message', on);
    process.send!({ type: 'warm' });
  });
}

type MetricsMessage = { type: 'metrics?'; id: number } | { type: 'snapshot?'; id: string } | { type: 'snapshot'; id: string; snap: MetricsSnapshot } | { type: 'snapshots'; id: number; snaps: MetricsSnapshot[] };

/**
 * A worker's /metrics: every worker's counters, gathered by the primary (its own alone if the primary does not answer). Each
 * call asks under a number of its own, counted by the collector.
 */
function clusterCollector(metrics: () => ServingMetrics): () => Promise<MetricsSnapshot[]> {
  let asked = 0;
  return () => {
    const id = ++asked;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done([metrics().snapshot()]), 2_000);
      const done = (snaps: MetricsSnapshot[]) => {
        clearTimeout(timer);
        process.off('message', on);
        resolve(snaps);
      };
      const on = (m: MetricsMessage) => {
        if (m.type === 'snapshots' && m.id === id) done(m.snaps);
      };
      process.on('message', on);
      process.send!({ type: 'metrics?', id } satisfies MetricsMessage);
    });
  };
}

function answerSnapshots(metrics: ServingMetrics): void {
  process.on('message', (m: MetricsMessage) => {
    if (m.type === 'snapshot?') process.send!({ type: 'snapshot', id: m.id, snap: metrics.snapshot() } satisfies MetricsMessage);
  });
}

/**
 * The primary of `--workers N`: forks the workers (each runs this command again and shares the listening socket), reports
 * once all listen, and on SIGINT/SIGTERM passes the signal on and waits for every worker to finish its requests.
 */
async function primary(ref: string, host: string, workers: number): Promise<void> {
  let listening = 0;
  let failure: Error | null = null;
  const exited = new Promise<void>((resolve, reject) => {
    let alive = workers;
    cluster.on('exit', (w, code, signal) => {
      // on the way out, a worker the signal ended before it had its handler in place has not failed
      if (code !== 0 && !(stopping && code === null) && !failure) {
        failure = invalid(code === null ? `a serving worker was ended by ${signal}` : `a serving worker exited with code ${code} (see its message above)`);
        // failing while serving stops the others at once (below); failing on the way out (its requests answered) is
        // reported once all have exited
        if (!stopping) reject(failure);
      }
      if (--alive > 0) return;
      if (failure) reject(failure);
      else resolve();
    });
  });
  let stopping = false;
  const gathering = new Map<string, { snaps: MetricsSnapshot[]; waiting: number; finish: () => void }>();
  let round = 0;
  let warm = 0;
  cluster.on('message', (w, m: { listening?: number; what?: string; name?: string } | { type: 'warm' } | MetricsMessage) => {
    if ('type' in m && m.type === 'warm') {
      if (++warm === workers) for (const x of Object.values(cluster.workers ?? {})) x?.send({ type: 'listen' });
      return;
    }
    if ('listening' in m && m.listening !== undefined && ++listening === workers) process.stdout.write(`serving ${m.what} on http://${host}:${m.listening} with ${workers} worker processes (POST /invocations, POST /v2/models/${m.name}/infer); Ctrl-C to stop\n`);
    if (!('type' in m)) return;
    if (m.type === 'metrics?') {
      // ask every live worker for its counters; answer with what arrived within a second
      const id = `r${++round}`;
      const live = Object.values(cluster.workers ?? {}).filter((x) => x && x.isConnected());
      const g = { snaps: [] as MetricsSnapshot[], waiting: live.length, finish: () => {} };
      const timer = setTimeout(() => g.finish(), 1_000);
      g.finish = () => {
        clearTimeout(timer);
        gathering.delete(id);
        if (w.isConnected()) w.send({ type: 'snapshots', id: m.id, snaps: g.snaps } satisfies MetricsMessage);
      };
      gathering.set(id, g);
      for (const x of live) x!.send({ type: 'snapshot?', id } satisfies MetricsMessage);
    } else if (m.type === 'snapshot') {
      const g = gathering.get(m.id);
      if (!g) return;
      g.snaps.push(m.snap);
      if (--g.waiting === 0) g.finish();
    }
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await exited;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (failure) stop();
  }
}
