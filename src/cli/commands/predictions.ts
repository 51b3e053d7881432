import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { printJson } from '../output.ts';
import { retentionOptions, retentionRules } from '../retention.ts';
import { remoteOptions, withTarget, type TargetOptions } from '../target.ts';

export function predictionsCommand(program: Command): void {
  const predictions = program.command('predictions').description('the prediction log');
  retentionOptions(remoteOptions(predictions.command('prune')))
    .description('delete logged predictions past a retention rule now, a bounded step at a time (servers apply theirs every minute)')
    .action(async (o: TargetOptions & { logMaxAge?: string[]; logMaxRecords?: string[] }) => {
      const rules = retentionRules(o);
      if (rules.length === 0) throw invalid('give --log-max-age and/or --log-max-records');
      await withTarget(o, async (store) => {
        let deleted = 0;
        for (const rule of rules) for (let n = -1; n !== 0; deleted += n) n = await store.predictions.prune(rule);
        if (o.json) return printJson({ deleted });
        process.stdout.write(`deleted ${deleted} logged prediction${deleted === 1 ? '' : 's'}\n`);
      });
    });
}
