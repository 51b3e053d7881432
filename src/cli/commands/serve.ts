import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { invalid } from '../../core/errors.ts';
import { loadModel, parseModelRef } from '../../registry/index.ts';
import { createApp, createAuthenticator, listen, SingleModelProvider } from '../../server/index.ts';
import { parseIntOption, stores } from '../common.ts';
import { untilSignal } from '../serving.ts';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('serve one model over HTTP (KServe V2 protocol)')
    .argument('<ref>', 'NAME, NAME@alias, NAME:version or a bundle directory')
    .option('--port <n>', 'port', '7707')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--token-file <file>', 'require "Authorization: Bearer <token>" with the token in this file')
    .action(async (ref: string, o: { port: string; host: string; tokenFile?: string }) => {
      const port = parseIntOption('--port', o.port, 0, 65535);
      let token: string | null = null;
      if (o.tokenFile) {
        try {
          token = readFileSync(o.tokenFile, 'utf8').trim();
        } catch {
          throw invalid(`cannot read --token-file ${o.tokenFile}`);
        }
        if (token.length < 16) throw invalid('--token-file must hold a token of at least 16 characters');
      }
      const s = parseModelRef(ref).kind === 'dir' ? null : await stores();
      const loaded = await loadModel(s, ref);
      await s?.metadata.close();
      const { server } = createApp({ models: new SingleModelProvider(loaded, loaded.name), stores: null, authenticate: token ? createAuthenticator(token, null) : null, log: (l) => process.stderr.write(l + '\n') });
      const bound = await listen(server, port, o.host);
      process.stdout.write(`serving ${loaded.name}${loaded.version ? ` version ${loaded.version}` : ''} on http://${o.host}:${bound} (POST /v2/models/${loaded.name}/infer); Ctrl-C to stop\n`);
      await untilSignal(server);
    });
}
