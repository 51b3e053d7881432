import type { Command } from 'commander';
import { parseIntOption } from '../common.ts';
import { printJson, remoteOptions, table, withTarget, type TargetOptions } from '../target.ts';

export function runsCommand(program: Command): void {
  const runs = program.command('runs').description('tracked runs');
  remoteOptions(runs.command('list'))
    .description('search runs, newest first')
    .option('--experiment <name>', 'only this experiment')
    .option('--filter <expr>', "e.g. \"metrics.roc_auc > 0.8 and params.learner = 'gbdt'\"")
    .option('--order-by <term...>', 'e.g. "metrics.roc_auc DESC"')
    .option('--limit <n>', 'how many', '20')
    .action(async (o: TargetOptions & { experiment?: string; filter?: string; orderBy?: string[]; limit: string }) => {
      const limit = parseIntOption('--limit', o.limit, 1, 1000);
      await withTarget(o, async (store) => {
        const experimentIds = o.experiment ? [(await store.experiments.getByName(o.experiment)).id] : undefined;
        const page = await store.runs.search({ experimentIds, filter: o.filter, orderBy: o.orderBy, limit });
        if (o.json) return printJson(page);
        if (page.items.length === 0) return void process.stdout.write('no runs match\n');
        const rows = [['RUN', 'STATUS', 'STARTED', 'NAME', 'METRICS']];
        for (const r of page.items) {
          const metrics = Object.entries(r.metrics).slice(0, 4).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`).join(' ');
          rows.push([r.id, r.status, new Date(r.startedAt).toISOString().slice(0, 19), r.name.slice(0, 40), metrics]);
        }
        process.stdout.write(table(rows));
      });
    });
  remoteOptions(runs.command('show'))
    .argument('<run-id>', 'the run')
    .description('a run with params, metrics, tags, steps and datasets')
    .action(async (id: string, o: TargetOptions) => {
      await withTarget(o, async (store) => {
        const run = await store.runs.get(id);
        const [steps, datasets] = await Promise.all([store.runs.listSteps(id), store.runs.listDatasets(id)]);
        const doc = { ...run, steps, datasets: datasets.map(({ schema: _s, profile: _p, ...d }) => d) };
        if (o.json) return printJson(doc);
        const lines = [`run ${run.id} (${run.name}) ${run.status}, experiment ${run.experimentId}`];
        for (const [title, m] of [['params', run.params], ['metrics', run.metrics], ['tags', run.tags]] as const) {
          if (Object.keys(m).length) lines.push(`${title}:`, ...Object.entries(m).map(([k, v]) => `  ${k} = ${v}`));
        }
        if (steps.length) lines.push('steps:', ...steps.map((x) => `  ${x.name}: ${x.status}${x.endedAt ? ` (${((x.endedAt - x.startedAt) / 1000).toFixed(2)} s)` : ''}`));
        if (datasets.length) lines.push('datasets:', ...datasets.map((d) => `  ${d.role}: ${d.name} v${d.version} ${d.contentHash.slice(0, 19)}...`));
        process.stdout.write(lines.join('\n') + '\n');
      });
    });
}
