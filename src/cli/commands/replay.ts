import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import type { ReplayReport } from '../../monitor/index.ts';
import type { CapstanClient } from '../../sdk/client.ts';
import { stores } from '../common.ts';
import { printJson } from '../output.ts';
import { remoteOptions, safe, withTarget, type TargetOptions } from '../target.ts';
import { parseTime } from './monitor.ts';

export function replayCommand(program: Command): void {
  remoteOptions(program.command('replay').argument('<challenger>', 'the version to replay against: NAME:VERSION or NAME@ALIAS (with --shadow: NAME)'))
    .option('--shadow', "compare the model's shadow deployment from its logged answers instead of scoring again")
    .description("replay a window of a model's logged production requests against another version offline, and compare with what was served (and with actuals)")
    .requiredOption('--since <time>', 'start: epoch ms, ISO date, or a time ago (24h, 7d)')
    .option('--until <time>', 'end (default now)')
    .option('--model <name>', 'the model whose log is replayed (default: the challenger\'s name)')
    .option('--limit <n>', 'at most this many logged requests', '100000')
    .action(async (ref: string, o: TargetOptions & { since: string; until?: string; model?: string; limit: string; shadow?: boolean }) => {
      const since = parseTime('--since', o.since);
      const until = o.until ? parseTime('--until', o.until) : Date.now() + 1;
      const name = o.model ?? /^[^:@]+/.exec(ref)?.[0];
      if (!name) throw invalid('give the challenger as NAME:VERSION or NAME@ALIAS');
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw invalid('--limit must be a positive integer');
      let r: ReplayReport;
      if (o.server) r = (await withTarget(o, (store) => (store as CapstanClient).monitoring.replay({ model: name, challenger: o.shadow ? 'shadow' : ref, since: Math.max(0, Math.floor(since)), until, limit }))) as ReplayReport;
      else {
        const { replay, compareShadow } = await import('../../monitor/index.ts');
        const s = await stores();
        try {
          r = o.shadow ? await compareShadow(s, name, { since, until, limit }) : await replay(s, name, ref, { since, until, limit });
        } finally {
          await s.metadata.close();
        }
      }
      if (o.json) return printJson(r);
      const lines = [`${r.challenger.name} on ${r.requests} logged requests (${r.rows} rows) of ${r.model} (served by version ${r.champion.version}):`];
      if (r.agreement !== null) lines.push(`  same label as served on ${(r.agreement * 100).toFixed(1)}% of rows; mean absolute difference of the outputs ${r.meanAbsDiff.toFixed(4)}`);
      else lines.push(`  mean absolute difference of the outputs ${r.meanAbsDiff.toFixed(4)}`);
      const a = r.accuracy;
      lines.push(a ? `  on ${a.rows} rows with actuals: ${a.metric} served ${a.champion.toFixed(4)}, challenger ${a.challenger.toFixed(4)} (difference ${a.delta >= 0 ? '+' : ''}${a.delta.toFixed(4)}, 95% interval ${a.interval[0].toFixed(4)} to ${a.interval[1].toFixed(4)}: ${a.better ? 'better' : a.worse ? 'worse' : 'no clear difference'})` : '  fewer than 10 rows with actuals: no accuracy comparison');
      process.stdout.write(safe(lines.join('\n')) + '\n');
    });
}
