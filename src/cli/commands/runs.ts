import type { Command } from 'commander';
import { parseIntOption } from '../common.ts';
import type { MetadataStore } from '../../store/index.ts';
import { printJson } from '../output.ts';
import { remoteOptions, safe, table, when, withTarget, type TargetOptions } from '../target.ts';

/** Experiment names by id, for the ids on a page of runs (one lookup per experiment). */
async function experimentNames(store: MetadataStore, ids: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(ids)) names.set(id, (await store.experiments.get(id)).name);
  return names;
}

/**
 * The metrics a table row shows: summaries first. A metric logged per fold (its latest value is the last fold's) gives way
 * to its `_mean` and `_std` when those exist.
 */
export function summaryMetrics(metrics: Record<string, number>, limit = 4): string {
  const keys = Object.keys(metrics).filter((k) => !(`${k}_mean` in metrics));
  const rank = (k: string) => (k.endsWith('_mean') ? 0 : k.endsWith('_std') ? 2 : 1);
  keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return keys.slice(0, limit).map((k) => `${k}=${Number.isInteger(metrics[k]) ? metrics[k] : metrics[k].toFixed(4)}`).join(' ');
}

export function runsCommand(program: Command): void {
  const runs = program.command('runs').description('tracked runs');
  remoteOptions(runs.command('list'))
    .description('search runs, newest first')
    .option('--experiment <name>', 'only this experiment')
    .option('--filter <expr>', "e.g. \"metrics.roc_auc > 0.8 and params.learner = 'gbdt'\"")
    .option('--order-by <term...>', 'e.g. "metrics.roc_auc DESC"')
    .option('--limit <n>', 'how many', '20')
    .option('--nested', "also the runs nested under another (a pipeline's steps), which capstan runs show RUN lists")
    .action(async (o: TargetOptions & { experiment?: string; filter?: string; orderBy?: string[]; limit: string; nested?: boolean }) => {
      const limit = parseIntOption('--limit', o.limit, 1, 1000);
      // a pipeline run carries its steps' params and metrics: its step runs would list the same figures again
      const filter = o.nested ? o.filter : [o.filter ? `(${o.filter})` : '', 'tags.mlflow.parentRunId IS NULL'].filter(Boolean).join(' and ');
      await withTarget(o, async (store) => {
        const experimentIds = o.experiment ? [(await store.experiments.getByName(o.experiment)).id] : undefined;
        const page = await store.runs.search({ experimentIds, filter, orderBy: o.orderBy, limit });
        if (o.json) return printJson(page);
        if (page.items.length === 0) return void process.stdout.write('no runs match\n');
        const names = await experimentNames(store, page.items.map((r) => r.experimentId));
        const rows = [['RUN', 'EXPERIMENT', 'STATUS', 'STARTED', 'NAME', 'METRICS']];
        for (const r of page.items) rows.push([r.id, names.get(r.experimentId) ?? r.experimentId, r.status, when(r.startedAt), r.name.slice(0, 40), summaryMetrics(r.metrics)]);
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
        const experiment = (await experimentNames(store, [run.experimentId])).get(run.experimentId) ?? run.experimentId;
        const lines = [`run ${run.id} (${run.name}) ${run.status}, experiment ${experiment}, started ${when(run.startedAt)}${run.endedAt ? `, ${((run.endedAt - run.startedAt) / 1000).toFixed(1)} s` : ''}`];
        for (const [title, m] of [['params', run.params], ['metrics', run.metrics], ['tags', run.tags]] as const) {
          if (Object.keys(m).length) lines.push(`${title}:`, ...Object.entries(m).map(([k, v]) => `  ${k} = ${v}`));
        }
        if (steps.length) lines.push('steps:', ...steps.map((x) => `  ${x.name}: ${x.status}${x.endedAt ? ` (${((x.endedAt - x.startedAt) / 1000).toFixed(2)} s)` : ''}`));
        if (datasets.length) lines.push('datasets:', ...datasets.map((d) => `  ${d.role}: ${d.name} v${d.version} ${d.contentHash.slice(0, 19)}...`));
        process.stdout.write(safe(lines.join('\n')) + '\n');
      });
    });
}
