import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import type { PredictionLineage } from '../../monitor/index.ts';
import type { CapstanClient } from '../../sdk/client.ts';
import { stores } from '../common.ts';
import { printJson } from '../output.ts';
import { remoteOptions, safe, when, withTarget, type TargetOptions } from '../target.ts';

function print(l: PredictionLineage): void {
  const p = l.prediction;
  const out: string[] = [`prediction ${p.id}: ${p.model} version ${p.version}, ${p.rows} row${p.rows === 1 ? '' : 's'}, ${when(p.at)} UTC${p.shadow ? ' (shadow)' : ''}`];
  if (l.actuals.length) out.push(`  actuals: ${l.actuals.map((a) => `row ${a.row} = ${a.actual}`).join(', ')}`);
  const v = l.modelVersion;
  out.push(v ? `<- model version ${v.name}:${v.version} (${v.task}, by ${v.author}, ${when(v.createdAt)}; aliases ${v.aliases.join(', ') || '-'}; ${Object.entries(v.metrics).slice(0, 3).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ') || 'no metrics'}; bundle ${v.digest.slice(0, 19)}...)` : '<- model version: not in the registry (served from a bundle directory?)');
  const r = l.trainingRun;
  if (r) {
    out.push(`<- ${r.kind === 'pipeline' ? 'pipeline run' : 'run'} ${r.id} "${r.name}" ${r.status}, ${when(r.startedAt)}`);
    for (const s of r.steps) out.push(`     step ${s.name}: ${s.status} (run ${s.runId})`);
  }
  for (const d of l.datasets) out.push(`<- dataset ${d.name} v${d.version} (${d.role}${d.rows !== null ? `, ${d.rows} rows` : ''}${d.contentHash ? `, ${d.contentHash.slice(0, 19)}...` : ''})`);
  out.push(`-> deployed: aliases ${l.deployment.aliases.join(', ') || '-'}${l.deployment.trafficWeight !== null ? `, ${l.deployment.trafficWeight}% of the traffic` : ''}${l.deployment.shadow ? ', shadow' : ''}`);
  for (const a of l.alertsSince) out.push(`-> alert ${a.rule} ${a.status} (${a.value.toPrecision(3)}, ${when(a.firedAt)})`);
  for (const lv of l.laterVersions) out.push(`-> later version ${lv.version} (${when(lv.createdAt)}${lv.retrainedBy ? `, retrained by policy ${lv.retrainedBy}` : ''}${lv.aliases.length ? `; ${lv.aliases.join(', ')}` : ''})`);
  process.stdout.write(safe(out.join('\n')) + '\n');
}

export function lineageCommand(program: Command): void {
  remoteOptions(program.command('lineage').argument('<prediction-id>', 'the id a served answer carried (x-prediction-id)'))
    .description('where a prediction came from (model version, training run and steps, datasets) and what followed (deployment, alerts, retraining)')
    .action(async (id: string, o: TargetOptions) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw invalid('the prediction id is 1 to 64 letters, digits, "_" or "-"');
      let l: PredictionLineage;
      if (o.server) l = (await withTarget(o, (store) => (store as CapstanClient).monitoring.lineage(id))) as PredictionLineage;
      else {
        const { predictionLineage } = await import('../../monitor/index.ts');
        const s = await stores();
        try {
          l = await predictionLineage(s, id);
        } finally {
          await s.metadata.close();
        }
      }
      if (o.json) printJson(l);
      else print(l);
    });
}
