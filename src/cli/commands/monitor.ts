import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { checkName } from '../../core/names.ts';
import type { MonitorReport, WindowReport } from '../../monitor/index.ts';
import { stores } from '../common.ts';
import { printJson } from '../output.ts';
import { clientOf, remoteOptions, safe, table, when, type TargetOptions } from '../target.ts';

const HOUR_MS = 3_600_000;

/** A point in time: epoch milliseconds, an ISO date or date-time, or a duration ago ("90m", "24h", "7d"). */
export function parseTime(field: string, text: string, now = Date.now()): number {
  const ago = /^([0-9]{1,6})([mhd])$/.exec(text);
  if (ago) return now - Number(ago[1]) * { m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS }[ago[2] as 'm' | 'h' | 'd'];
  if (/^[0-9]{10,15}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(text) && Number.isFinite(t)) return t;
  throw invalid(`${field} must be epoch milliseconds, an ISO date such as 2026-12-01T08:00Z, or a time ago such as 24h or 7d (got "${text.slice(0, 40)}")`);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`;
}

function ms(x: number | null): string {
  return x === null ? '-' : x === Infinity ? '>10 s' : `${x} ms`;
}

function driftSummary(w: WindowReport): string {
  const tested = w.drift.features.filter((f) => f.status === 'tested').length;
  if (tested === 0) return 'no rows';
  const top = w.drift.drifted.slice(0, 3).map((name) => {
    const f = w.drift.features.find((x) => x.name === name)!;
    return `${name} (${f.test} ${f.pValue !== null ? `p ${f.pValue.toPrecision(2)}` : f.statistic!.toFixed(3)})`;
  });
  return `${w.drift.drifted.length}/${tested}${w.drift.datasetDrift ? ' DATA SET DRIFT' : ''}${top.length ? `: ${top.join(', ')}` : ''}`;
}

function accuracySummary(w: WindowReport): string {
  const a = w.accuracy;
  const c = a.change;
  const head = c ? `${c.metric} ${c.now.toFixed(4)} (training ${c.training.toFixed(4)}, ${c.delta >= 0 ? '+' : ''}${c.delta.toFixed(4)})` : Object.keys(a.metrics).length ? Object.entries(a.metrics).slice(0, 2).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ') : '-';
  return `${head}; ${a.labelled} labelled, ${a.pending} waiting`;
}

function printReport(r: MonitorReport): void {
  const span = r.windowMs % (24 * HOUR_MS) === 0 ? `${r.windowMs / (24 * HOUR_MS)}d` : `${r.windowMs / HOUR_MS}h`;
  process.stdout.write(safe(`${r.name}: ${span} windows from ${when(r.since)} to ${when(r.until)} UTC`) + '\n');
  if (r.versions.length === 0) process.stdout.write('no monitored traffic in this span\n');
  for (const v of r.versions) {
    const t = v.total;
    process.stdout.write(safe(`\nversion ${v.version}: ${t.health.requests} requests, ${t.health.rows} rows, errors ${pct(t.health.errorRate)}, latency p50 ${ms(t.health.latencyMs.p50)} p99 ${ms(t.health.latencyMs.p99)}`) + '\n');
    const rows = v.windows.map((w) => [when(w.start).slice(0, 16), String(w.health.requests), pct(w.health.errorRate), ms(w.health.latencyMs.p99), driftSummary(w), w.predictionDrift?.status === 'tested' ? `${w.predictionDrift.test} ${(w.predictionDrift.pValue ?? w.predictionDrift.statistic)!.toPrecision(3)}${w.predictionDrift.drifted ? ' DRIFT' : ''}` : '-', accuracySummary(w)]);
    process.stdout.write(table([['WINDOW (UTC)', 'REQUESTS', 'ERRORS', 'P99', 'DRIFTED FEATURES', 'PREDICTION DRIFT', 'ACCURACY'], ...rows]));
    const worst = t.quality.filter((q) => q.missing + q.outOfRange + q.unseen > 0).sort((a, b) => b.missing + b.outOfRange + b.unseen - (a.missing + a.outOfRange + a.unseen)).slice(0, 5);
    process.stdout.write(worst.length ? safe(`data quality: ${worst.map((q) => `${q.name} missing ${pct(q.missing)}, out of range ${pct(q.outOfRange)}, unseen ${pct(q.unseen)}`).join('; ')}`) + '\n' : 'data quality: no missing, out-of-range or unseen values\n');
    const rules = Object.entries(t.humility);
    if (rules.length) process.stdout.write(safe(`humility rules fired: ${rules.map(([k, n]) => `${k} ${n}`).join(', ')}`) + '\n');
  }
}

export function monitorCommand(program: Command): void {
  remoteOptions(program.command('monitor').argument('<name>', 'a registered model'))
    .description('health, data quality, feature and prediction drift (with the test used) and accuracy from actuals, per window, from every serving process')
    .option('--window <length>', 'window length in whole hours or days: 1h, 6h, 1d', '1h')
    .option('--since <time>', 'start: epoch ms, ISO date, or a time ago (24h, 7d); default 24 windows back')
    .option('--until <time>', 'end (default now)')
    .option('--version <n>', 'one version only')
    .option('--reference <from..to>', 'drift against a reference span of traffic (two times, e.g. 14d..7d) instead of the training baseline')
    .action(async (name: string, o: TargetOptions & { window: string; since?: string; until?: string; version?: string; reference?: string }) => {
      checkName('model name', name);
      const { parseWindowLength } = await import('../../monitor/index.ts');
      const windowMs = parseWindowLength('--window', o.window);
      const until = o.until ? parseTime('--until', o.until) : Date.now();
      const since = o.since ? parseTime('--since', o.since) : until - 24 * windowMs + 1;
      if (o.version !== undefined && !/^[1-9][0-9]{0,8}$/.test(o.version)) throw invalid('--version must be a positive integer');
      let reference: { since: number; until: number } | undefined;
      if (o.reference !== undefined) {
        const [a, b] = o.reference.split('..');
        if (!a || !b) throw invalid('--reference must be FROM..TO, e.g. 14d..7d or 2026-11-01..2026-11-08');
        reference = { since: parseTime('--reference', a), until: parseTime('--reference', b) };
      }
      const client = await clientOf(o);
      let report: MonitorReport;
      if (client) report = (await client.monitoring.report(name, { window: o.window, since: Math.max(0, Math.floor(since)), until, ...(o.version ? { version: o.version } : {}), ...(reference ? { referenceSince: Math.floor(reference.since), referenceUntil: Math.floor(reference.until) } : {}) })) as MonitorReport;
      else {
        const { monitorModel } = await import('../../monitor/index.ts');
        const s = await stores();
        try {
          report = await monitorModel(s, name, { windowMs, since, until, ...(o.version ? { version: o.version } : {}), ...(reference ? { reference } : {}) });
        } finally {
          await s.metadata.close();
        }
      }
      if (o.json) printJson(report);
      else printReport(report);
    });
}
