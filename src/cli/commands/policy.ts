import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { invalid } from '../../core/errors.ts';
import { checkName } from '../../core/names.ts';
import { parsePolicy, type MonitorPolicy, type RuleOutcome } from '../../monitor/index.ts';
import type { CanaryOutcome, RetrainOutcome } from '../../pipeline/index.ts';
import type { CapstanClient } from '../../sdk/client.ts';
import type { Alert, AlertStatus } from '../../store/index.ts';
import { localActor, stores } from '../common.ts';
import { printJson } from '../output.ts';
import { remoteOptions, safe, table, when, withTarget, type TargetOptions } from '../target.ts';

function readPolicy(file: string): MonitorPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw invalid(`cannot read ${file}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw invalid(`${file} is not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return parsePolicy(doc);
}

function rule(p: MonitorPolicy['alerts'][number]): string {
  return `${p.name}: ${p.figure}${p.above !== undefined ? ` > ${p.above}` : ''}${p.below !== undefined ? ` < ${p.below}` : ''} over ${p.window}${p.minRows > 1 ? ` (at least ${p.minRows} rows)` : ''}`;
}

export function policyCommand(program: Command): void {
  const policy = program.command('policy').description("a model's monitoring policy: alert rules and the webhooks notified");
  remoteOptions(policy.command('apply').argument('<file>', 'the policy YAML'))
    .description('check and apply a policy as the model\'s next version (audited)')
    .action(async (file: string, o: TargetOptions) => {
      const p = readPolicy(file);
      const r = await withTarget(o, (store, me) => store.monitor.putPolicy(p.model, p, me.name));
      if (o.json) return printJson(r);
      process.stdout.write(safe(`policy of ${r.model} version ${r.version}: ${p.alerts.length} alert rule${p.alerts.length === 1 ? '' : 's'}, ${p.notify.length} webhook${p.notify.length === 1 ? '' : 's'}`) + '\n');
    });
  policy
    .command('retrain')
    .argument('<name>', 'the model')
    .option('--json', 'print one JSON document')
    .description("retrain now by the model's policy (its retrain section): challenger, comparison with the champion, the policy's action")
    .action(async (name: string, o: { json?: boolean }) => {
      checkName('model name', name);
      const { retrainModel } = await import('../../pipeline/index.ts');
      const s = await stores();
      try {
        const r = await retrainModel(s, await s.metadata.monitor.getPolicy(name), { reason: `capstan policy retrain by ${localActor()}`, log: (l) => void (o.json ? undefined : process.stderr.write(`  ${l}\n`)) });
        if (o.json) return printJson(r);
        process.stdout.write(safe(retrainLine(r)) + '\n');
      } finally {
        await s.metadata.close();
      }
    });
  remoteOptions(policy.command('show').argument('<name>', 'the model'))
    .description("print a model's policy (the latest, or --version)")
    .option('--version <n>', 'an earlier version')
    .action(async (name: string, o: TargetOptions & { version?: string }) => {
      checkName('model name', name);
      if (o.version !== undefined && !/^[1-9][0-9]{0,8}$/.test(o.version)) throw invalid('--version must be a positive integer');
      const r = await withTarget(o, (store) => store.monitor.getPolicy(name, o.version ? Number(o.version) : undefined));
      if (o.json) return printJson(r);
      const p = r.spec as MonitorPolicy;
      process.stdout.write(safe(`policy of ${r.model} version ${r.version}, applied by ${r.createdBy} at ${when(r.createdAt)} UTC\n`));
      for (const a of p.alerts) process.stdout.write(safe(`  alert ${rule(a)}`) + '\n');
      const rt = p.retrain;
      if (rt) process.stdout.write(safe(`  retrain when ${'alert' in rt.when ? `alert ${rt.when.alert} fires` : 'every' in rt.when ? `${rt.when.every} have passed` : `${rt.when.actuals} actuals arrive`}, on ${rt.data === 'none' ? 'the labelled production rows' : rt.data === 'dataset' ? "the champion's training data and the labelled production rows" : `${rt.data} and the labelled production rows`} (newest ${(rt.holdout * 100).toFixed(0)}% held out), then ${rt.action === 'canary' ? `a canary of ${rt.canary.weight}% for ${rt.canary.requests} requests (rolled back past ${(rt.canary.maxErrorRate * 100).toFixed(1)}% errors, p99 ${rt.canary.maxLatencyP99Ms} ms or a drop of ${rt.canary.maxAccuracyDrop})` : rt.action}`) + '\n');
      for (const h of p.notify) process.stdout.write(safe(`  notify ${h.url}${h.secretEnv ? ` (signed with $${h.secretEnv})` : ' (unsigned)'}${h.allowPrivate ? ' (private addresses allowed)' : ''}`) + '\n');
    });
}

function retrainLine(r: RetrainOutcome): string {
  const c = r.comparison;
  return `retrained ${r.model}: version ${r.challenger} (run ${r.runId}) vs champion ${r.champion} on ${c.rows} fresh labelled rows: ${c.metric} ${c.challenger.toFixed(4)} vs ${c.champion.toFixed(4)}, difference ${c.delta >= 0 ? '+' : ''}${c.delta.toFixed(4)} (95% ${c.interval[0].toFixed(4)} to ${c.interval[1].toFixed(4)}) -> ${r.decision}`;
}

function printAlerts(items: Alert[]): void {
  if (items.length === 0) return void process.stdout.write('no alerts\n');
  process.stdout.write(table([['ID', 'MODEL', 'RULE', 'STATUS', 'VALUE', 'THRESHOLD', 'FIRED (UTC)', 'BY'], ...items.map((a) => [a.id, a.model, a.rule, a.status, a.value.toPrecision(4), String(a.threshold), when(a.firedAt), a.acknowledgedBy ?? '-'])]));
}

export function alertsCommand(program: Command): void {
  const alerts = program.command('alerts').description('alerts raised by the monitoring policies');
  remoteOptions(alerts.command('list'))
    .description('alerts, newest first')
    .option('--model <name>', 'one model')
    .option('--status <status>', 'firing, acknowledged or resolved')
    .action(async (o: TargetOptions & { model?: string; status?: string }) => {
      if (o.model) checkName('--model', o.model);
      if (o.status !== undefined && !['firing', 'acknowledged', 'resolved'].includes(o.status)) throw invalid('--status must be firing, acknowledged or resolved');
      const items = await withTarget(o, (store) => store.monitor.listAlerts({ ...(o.model ? { model: o.model } : {}), ...(o.status ? { status: o.status as AlertStatus } : {}) }));
      if (o.json) return printJson({ items });
      printAlerts(items);
    });
  remoteOptions(alerts.command('ack').argument('<id>', 'the alert'))
    .description('acknowledge a firing alert (audited)')
    .action(async (id: string, o: TargetOptions) => {
      if (!/^[0-9a-f]{8,64}$/.test(id)) throw invalid('the alert id is 8 to 64 lower-case hex characters');
      const a = await withTarget(o, (store, me) => store.monitor.acknowledgeAlert(id, me.name));
      if (o.json) return printJson(a);
      process.stdout.write(safe(`alert ${a.id} (${a.model} ${a.rule}) acknowledged by ${a.acknowledgedBy}`) + '\n');
    });
  remoteOptions(alerts.command('check'))
    .description("evaluate every policy's alert rules now and send the notifications (a server does this every minute)")
    .action(async (o: TargetOptions) => {
      let pass: { items: RuleOutcome[]; retrained: RetrainOutcome[]; canaries: CanaryOutcome[] };
      if (o.server) pass = (await withTarget(o, (store) => (store as CapstanClient).monitoring.evaluate())) as typeof pass;
      else {
        const { monitorPass } = await import('../../pipeline/index.ts');
        const s = await stores();
        try {
          const p = await monitorPass(s, { log: (m) => process.stderr.write(m + '\n') });
          pass = { items: p.alerts, retrained: p.retrained, canaries: p.canaries };
        } finally {
          await s.metadata.close();
        }
      }
      if (o.json) return printJson(pass);
      const items = pass.items;
      if (items.length === 0) process.stdout.write('no alert rules (apply a policy with capstan policy apply)\n');
      else process.stdout.write(table([['MODEL', 'RULE', 'VALUE', 'STATE', 'NOTIFIED'], ...items.map((r) => [r.model, r.rule, r.value === null ? '-' : r.value.toPrecision(4), r.state, r.notified.map((n) => (n.ok ? 'sent' : `failed: ${n.error}`)).join('; ') || '-'])]));
      for (const r of pass.retrained) process.stdout.write(safe(retrainLine(r)) + '\n');
      for (const c of pass.canaries) process.stdout.write(safe(`canary ${c.model}:${c.version} ${c.status}: ${c.reason}`) + '\n');
    });
}
