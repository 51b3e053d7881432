import type { Command } from 'commander';
import { renameSync, writeFileSync } from 'node:fs';
import { readTable, type ColumnParse } from '../../data/index.ts';
import { predictTable } from '../../learn/index.ts';
import { loadModel, parseModelRef } from '../../registry/index.ts';
import { stores } from '../common.ts';

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function predictCommand(program: Command): void {
  program
    .command('predict')
    .description('score a CSV file with a model; writes prediction (and proba_<class>) columns in input order')
    .requiredOption('--model <ref>', 'NAME, NAME@alias, NAME:version or a bundle directory')
    .requiredOption('--input <file>', 'CSV file with the model\'s feature columns')
    .requiredOption('--output <file>', 'CSV file to write')
    .action(async (o: { model: string; input: string; output: string }) => {
      const s = parseModelRef(o.model).kind === 'dir' ? null : await stores();
      try {
        const loaded = await loadModel(s, o.model);
        // dates are left to the reader's detection; everything else is parsed as the model expects
        const types: Record<string, ColumnParse> = Object.fromEntries(loaded.manifest.signature.inputs.filter((f) => !(f.kind === 'numeric' && f.datetime)).map((f) => [f.name, f.kind]));
        const table = await readTable(o.input, { types });
        const p = predictTable(loaded.model, table);
        const classes = loaded.manifest.target.classes;
        const lines: string[] = [];
        lines.push(['prediction', ...(classes ?? []).map((c) => csvCell(`proba_${c}`))].join(','));
        for (let i = 0; i < p.rows; i++) {
          if (!classes) lines.push(String(p.values![i]));
          else {
            const row = [csvCell(classes[p.classIndex![i]])];
            for (let k = 0; k < classes.length; k++) row.push(String(p.proba![i * classes.length + k]));
            lines.push(row.join(','));
          }
        }
        const tmp = `${o.output}.tmp-${process.pid}`;
        writeFileSync(tmp, lines.join('\n') + '\n');
        renameSync(tmp, o.output);
        process.stdout.write(`wrote ${p.rows} predictions to ${o.output} (model ${loaded.name}${loaded.version ? ` version ${loaded.version}` : ''})\n`);
      } finally {
        await s?.metadata.close();
      }
    });
}
