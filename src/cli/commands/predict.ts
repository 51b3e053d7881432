import type { Command } from 'commander';
import { renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Table } from '../../core/table.ts';
import { numbersFromText, readTable, type ColumnParse } from '../../data/index.ts';
import { predictLoaded } from '../../serve/predictor.ts';
import { loadModel, parseModelRef } from '../../registry/index.ts';
import { printJson } from '../target.ts';
import { stores } from '../common.ts';

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

interface RowProblem {
  /** 1-based data row (the header is not counted) */
  row: number;
  column: string;
  problem: string;
}

/** How many problems are listed on the terminal (all of them are in --json). */
const SHOWN = 10;

export function predictCommand(program: Command): void {
  program
    .command('predict')
    .description('score a CSV file with a model; writes prediction (and proba_<class>) columns in input order')
    .requiredOption('--model <ref>', 'NAME, NAME@alias, NAME:version or a bundle directory')
    .requiredOption('--input <file>', 'CSV file with the model\'s feature columns')
    .requiredOption('--output <file>', 'CSV file to write')
    .option('--json', 'print a JSON report (rows, scored, every row problem, unseen categories) instead of a summary')
    .action(async (o: { model: string; input: string; output: string; json?: boolean }) => {
      const s = parseModelRef(o.model).kind === 'dir' ? null : await stores();
      try {
        const loaded = await loadModel(s, o.model);
        const inputs = loaded.manifest.signature.inputs;
        // numbers are read as text and parsed here, so one bad cell marks its row instead of failing the file; dates are
        // left to the reader's detection
        const numeric = new Set(inputs.filter((f) => f.kind === 'numeric' && !f.datetime).map((f) => f.name));
        const types: Record<string, ColumnParse> = Object.fromEntries(inputs.filter((f) => !(f.kind === 'numeric' && f.datetime)).map((f) => [f.name, 'categorical']));
        const read = await readTable(o.input, { types });
        const problems: RowProblem[] = [];
        const table: Table = {
          rows: read.rows,
          columns: read.columns.map((c) => {
            if (!numeric.has(c.name) || c.kind !== 'categorical') return c;
            const { column, bad } = numbersFromText(c);
            for (const [row, text] of bad) problems.push({ row: row + 1, column: c.name, problem: `"${text.slice(0, 40)}" is not a finite number` });
            return column;
          }),
        };
        problems.sort((a, b) => a.row - b.row || a.column.localeCompare(b.column));
        const badRows = new Set(problems.map((p) => p.row - 1));
        // categories the model never saw are scored as at training (as unknown): counted per column, not an error
        const unseen: { column: string; rows: number; examples: string[] }[] = [];
        for (const f of inputs) {
          const c = table.columns.find((x) => x.name === f.name);
          if (f.kind !== 'categorical' || c?.kind !== 'categorical') continue;
          const known = new Set(f.categories);
          const counts = new Map<string, number>();
          for (let i = 0; i < c.codes.length; i++) if (c.codes[i] >= 0 && !known.has(c.categories[c.codes[i]])) counts.set(c.categories[c.codes[i]], (counts.get(c.categories[c.codes[i]]) ?? 0) + 1);
          if (counts.size) unseen.push({ column: f.name, rows: [...counts.values()].reduce((a, b) => a + b, 0), examples: [...counts.keys()].slice(0, 5) });
        }
        const p = await predictLoaded(loaded, table);
        // a clustering model writes its cluster as the prediction (its one-hot memberships are not probabilities)
        const clusters = loaded.manifest.task === 'clustering' ? loaded.manifest.target.classes! : null;
        const classes = clusters ? undefined : loaded.manifest.target.classes;
        const lines: string[] = [];
        lines.push(['prediction', ...(classes ?? []).map((c) => csvCell(`proba_${c}`))].join(','));
        for (let i = 0; i < p.rows; i++) {
          // a row with a problem keeps its place, with empty cells: no made-up score
          if (badRows.has(i)) lines.push(','.repeat(classes?.length ?? 0));
          else if (clusters) lines.push(clusters[p.classIndex![i]]);
          else if (!classes) lines.push(String(p.values![i]));
          else {
            const row = [csvCell(classes[p.classIndex![i]])];
            for (let k = 0; k < classes.length; k++) row.push(String(p.proba![i * classes.length + k]));
            lines.push(row.join(','));
          }
        }
        const tmp = `${o.output}.tmp-${process.pid}`;
        writeFileSync(tmp, lines.join('\n') + '\n');
        renameSync(tmp, o.output);
        const model = { name: loaded.name, version: loaded.version ?? null };
        if (o.json) {
          printJson({ input: o.input, output: o.output, model, rows: p.rows, scored: p.rows - badRows.size, problem_rows: badRows.size, problems, unseen_categories: unseen });
          return;
        }
        process.stdout.write(`wrote ${p.rows} rows to ${o.output}: ${p.rows - badRows.size} scored${badRows.size ? `, ${badRows.size} left empty (problems below)` : ''} (model ${loaded.name}${loaded.version ? ` version ${loaded.version}` : ''})\n`);
        for (const x of problems.slice(0, SHOWN)) process.stderr.write(`  ${basename(o.input)} row ${x.row}, column "${x.column}": ${x.problem}\n`);
        if (problems.length > SHOWN) process.stderr.write(`  ... and ${problems.length - SHOWN} more (--json lists them all)\n`);
        for (const u of unseen) process.stderr.write(`  note: column "${u.column}": ${u.rows} row${u.rows > 1 ? 's' : ''} with categories unseen in training (${u.examples.map((e) => `"${e.slice(0, 30)}"`).join(', ')}), scored as unknown\n`);
      } finally {
        await s?.metadata.close();
      }
    });
}
