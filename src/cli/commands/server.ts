import type { Command } from 'commander';
import { capstanHome } from '../../core/config.ts';
import { createServingHooks, startRetention } from '../../serve/index.ts';
import { adminToken, createApp, createAuthenticator, listen, loadUi, RegistryModelProvider } from '../../server/index.ts';
import { storeUri, type Stores } from '../../store/index.ts';
import { parseIntOption, stores } from '../common.ts';
import { retentionOptions, retentionRules } from '../retention.ts';
import { untilSignal } from '../serving.ts';

export function serverCommand(program: Command): void {
  const command = program
    .command('server')
    .description('run the Capstan server: every registered model over KServe V2, the API, token auth')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port', '7707')
    .option('--schedule-interval <seconds>', 'how often due pipeline schedules are looked for (0: never)', '30')
    .option('--alert-interval <seconds>', "how often the monitoring policies run (alert rules, retraining triggers, canaries; 0: never)", '60');
  retentionOptions(command).action(async (o: { host: string; port: string; scheduleInterval: string; alertInterval: string; logMaxAge?: string[]; logMaxRecords?: string[] }) => {
      const port = parseIntOption('--port', o.port, 0, 65535);
      const scheduleSeconds = parseIntOption('--schedule-interval', o.scheduleInterval, 0, 86_400);
      const alertSeconds = parseIntOption('--alert-interval', o.alertInterval, 0, 86_400);
      const rules = retentionRules(o);
      const s = await stores();
      const auth = adminToken(capstanHome());
      const log = (l: string) => process.stderr.write(l + '\n');
      const hooks = createServingHooks(storeUri(s.home), { onError: log });
      const report = (model: string, version: string, message: string) => {
        hooks.metrics.loadFailure(model, version);
        log(message);
      };
      const ui = loadUi();
      const { server, drain } = createApp({ models: new RegistryModelProvider(s, report), stores: s, authenticate: createAuthenticator(auth.token, s.metadata.tokens), serving: hooks, log, ui });
      const bound = await listen(server, port, o.host);
      const retention = startRetention((rule, opts) => hooks.log!.prune(rule, opts), rules, { onError: log });
      process.stdout.write(`capstan server on http://${o.host}:${bound}${ui ? ` (web UI at http://${o.host}:${bound}/)` : ''}\n`);
      if (auth.created) process.stdout.write(`admin token (shown once, also in ${auth.file}): ${auth.token}\n`);
      else process.stdout.write(`authenticate with: Authorization: Bearer <token from ${auth.file ?? '$CAPSTAN_ADMIN_TOKEN'}>\n`);
      // the scheduler (and the pipeline engine it loads) starts one interval after the server is ready: loading it would hold
      // the first requests back
      let scheduler: { stop(): Promise<void> } | null = null;
      const later = scheduleSeconds > 0 ? setTimeout(() => void import('../../pipeline/engine/schedules.ts').then((m) => (scheduler = m.startScheduler(s, scheduleSeconds * 1000, log))), scheduleSeconds * 1000) : null;
      later?.unref();
      const alerts = alertSeconds > 0 ? startAlerts(s, alertSeconds * 1000, log) : null;
      await untilSignal(server, undefined, drain);
      if (later) clearTimeout(later);
      await alerts?.stop();
      await (scheduler as { stop(): Promise<void> } | null)?.stop();
      await retention.stop();
      await hooks.close();
      await s.metadata.close();
    });
}

/** One pass of the closed loop (alerts, retraining, canaries) every interval, one pass at a time (a slow webhook delays the next pass, never overlaps it). */
function startAlerts(s: Stores, intervalMs: number, log: (line: string) => void): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    // the closed loop's engine loads with the first pass, not with the server
    running = import('../../pipeline/index.ts')
      .then((m) => m.monitorPass(s, { log }))
      .then((pass) => {
        for (const r of pass.alerts) if (r.state === 'firing' || r.state === 'resolved') log(`alert ${r.model} ${r.rule}: ${r.state} (${r.value})`);
        for (const r of pass.retrained) log(`retrained ${r.model}: version ${r.challenger} vs ${r.champion}, ${r.comparison.metric} ${r.comparison.delta.toFixed(4)} -> ${r.decision}`);
      })
      .catch((e: Error) => log(`alert evaluation failed: ${e.message}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  timer = setTimeout(tick, intervalMs).unref();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
