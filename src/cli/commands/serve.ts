import cluster from 'node:cluster';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { invalid } from '../../core/errors.ts';
import { loadModel, parseModelRef } from '../../registry/index.ts';
import { createApp, createAuthenticator, listen, SingleModelProvider } from '../../server/index.ts';
import { parseIntOption, stores } from '../common.ts';
import { untilSignal } from '../serving.ts';

interface ServeOptions {
  port: string;
  host: string;
  tokenFile?: string;
  workers: string;
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('serve one model over HTTP: KServe V2 (/v2/models/NAME/infer) and MLflow scoring (POST /invocations)')
    .argument('<ref>', 'NAME, NAME@alias, NAME:version or a bundle directory')
    .option('--port <n>', 'port', '7707')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--token-file <file>', 'require "Authorization: Bearer <token>" with the token in this file')
    .option('--workers <n>', 'processes sharing the port (each loads the model once)', '1')
    .action(async (ref: string, o: ServeOptions) => {
      const port = parseIntOption('--port', o.port, 0, 65535);
      const workers = parseIntOption('--workers', o.workers, 1, 64);
      let token: string | null = null;
      if (o.tokenFile) {
        try {
          token = readFileSync(o.tokenFile, 'utf8').trim();
        } catch {
          throw invalid(`cannot read --token-file ${o.tokenFile}`);
        }
        if (token.length < 16) throw invalid('--token-file must hold a token of at least 16 characters');
      }
      if (workers > 1 && cluster.isPrimary) return primary(ref, o.host, workers);
      const s = parseModelRef(ref).kind === 'dir' ? null : await stores();
      const loaded = await loadModel(s, ref);
      await s?.metadata.close();
      const { server, drain } = createApp({ models: new SingleModelProvider(loaded, loaded.name), stores: null, authenticate: token ? createAuthenticator(token, null) : null, log: (l) => process.stderr.write(l + '\n') });
      const bound = await listen(server, port, o.host);
      const what = `${loaded.name}${loaded.version ? ` version ${loaded.version}` : ''}`;
      if (cluster.isWorker) process.send?.({ listening: bound, what });
      else process.stdout.write(`serving ${what} on http://${o.host}:${bound} (POST /invocations, POST /v2/models/${loaded.name}/infer); Ctrl-C to stop\n`);
      await untilSignal(server, undefined, drain);
    });
}

/**
 * The primary of `--workers N`: forks the workers (each runs this command again and shares the listening socket), reports
 * once all listen, and on SIGINT/SIGTERM passes the signal on and waits for every worker to finish its requests.
 */
async function primary(ref: string, host: string, workers: number): Promise<void> {
  let listening = 0;
  let failed = false;
  const exited = new Promise<void>((resolve, reject) => {
    let alive = workers;
    cluster.on('exit', (w, code) => {
      if (code !== 0 && !stopping) {
        failed = true;
        reject(invalid(`a serving worker exited with code ${code} (see its message above)`));
      }
      if (--alive === 0) resolve();
    });
  });
  let stopping = false;
  cluster.on('message', (_w, m: { listening?: number; what?: string }) => {
    if (m.listening !== undefined && ++listening === workers) process.stdout.write(`serving ${m.what} on http://${host}:${m.listening} with ${workers} worker processes (POST /invocations, POST /v2/models/${ref}/infer); Ctrl-C to stop\n`);
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
    if (failed) stop();
  }
}
