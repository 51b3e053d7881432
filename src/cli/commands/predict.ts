import type { Command } from 'commander';
import { renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { csvCell } from '../../core/csv.ts';
import { invalid } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { cellValue, type Table } from '../../core/table.ts';
import { fileColumns, numbersFromText, readTable, type ColumnParse } from '../../data/index.ts';
import { predictLoaded } from '../../serve/predictor.ts';
import { loadModel, parseModelRef } from '../../registry/index.ts';
import { printJson } from '../output.ts';
import { stores } from '../common.ts';

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
    .description('score a file with a model; writes prediction, proba_<class>, prediction_id (and --keep) columns in input order')
    .requiredOption('--model <ref>', 'NAME, NAME@alias, NAME:version or a bundle directory')
    .requiredOption('--input <file>', 'CSV, Parquet or JSON lines file with the model\'s feature columns (others are ignored)')
    .requiredOption('--output <file>', 'CSV file to write')
    .option('--keep <columns>', 'comma-separated input columns copied to the output beside the scores (an id to join on, say)')
    .option('--json', 'print a JSON report (rows, scored, every row problem, unseen categories) instead of a summary')
    .action(async (o: { model: string; input: string; output: string; keep?: string; json?: boolean }) => {
      const s = parseModelRef(o.model).kind === 'dir' ? null : await stores();
      try {
        const loaded = await loadModel(s, o.model);
        const inputs = loaded.manifest.signature.inputs;
        // which columns the file has, before reading it: a mismatch is named, not left to the reader's error
        const present = await fileColumns(o.input);
        const has = new Set(present);
        const keep = o.keep === undefined ? [] : [...new Set(o.keep.split(',').map((c) => c.trim()).filter(Boolean))];
        const missing = inputs.map((f) => f.name).filter((n) => !has.has(n));
        const missingKeep = keep.filter((k) => !has.has(k));
        if (missing.length || missingKeep.length) {
          const needed = new Set([...inputs.map((f) => f.name), ...keep]);
          const extra = present.filter((c) => !needed.has(c));
          const list = (xs: string[]) => xs.slice(0, 20).map((x) => `"${x.slice(0, 60)}"`).join(', ') + (xs.length > 20 ? `, ... (${xs.length})` : '');
          throw invalid(
            `${basename(o.input)} does not have the columns ${missing.length ? `the model needs: missing ${list(missing)}` : ''}${missing.length && missingKeep.length ? '; ' : ''}${missingKeep.length ? `--keep names ${list(missingKeep)}, not in the file` : ''}` +
              (extra.length ? ` (the file's other columns: ${list(extra)})` : ''),
          );
        }
        // numbers are read as text and parsed here, so one bad cell marks its row instead of failing the file; dates are
        // left to the reader's detection
        const numeric = new Set(inputs.filter((f) => f.kind === 'numeric' && !f.datetime).map((f) => f.name));
        const types: Record<string, ColumnParse> = Object.fromEntries(inputs.filter((f) => !(f.kind === 'numeric' && f.datetime)).map((f) => [f.name, 'categorical']));
        // kept columns are copied as the file spells them
        for (const k of keep) if (!(k in types) && !numeric.has(k)) types[k] = 'categorical';
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
        const kept = keep.map((k) => read.columns.find((c) => c.name === k)!);
        const lines: string[] = [];
        lines.push(['prediction', ...(classes ?? []).map((c) => csvCell(`proba_${c}`)), 'prediction_id', ...keep.map(csvCell)].join(','));
        const passthrough = (i: number) => kept.map((c) => {
          const v = cellValue(c, i);
          return v === null ? '' : csvCell(String(v));
        });
        for (let i = 0; i < p.rows; i++) {
          // a row with a problem keeps its place, with empty cells: no made-up score and no id
          let row: string[];
          if (badRows.has(i)) row = new Array((classes?.length ?? 0) + 2).fill('');
          else if (clusters) row = [csvCell(clusters[p.classIndex![i]]), newId()];
          else if (!classes) row = [String(p.values![i]), newId()];
          else {
            row = [csvCell(classes[p.classIndex![i]])];
            for (let k = 0; k < classes.length; k++) row.push(String(p.proba![i * classes.length + k]));
            row.push(newId());
          }
          lines.push([...row, ...passthrough(i)].join(','));
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
