import type { Command } from 'commander';
import { renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { csvCell } from '../../core/csv.ts';
import { invalid } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { cellValue, takeRows, type Table } from '../../core/table.ts';
import { fileColumns, numbersFromText, readTable, type ColumnParse } from '../../data/index.ts';
import { predictLoaded } from '../../serve/predictor.ts';
import { loadModel, parseModelRef } from '../../registry/index.ts';
import { printJson } from '../output.ts';
import { stores } from '../common.ts';
import { storeUri } from '../../store/index.ts';
import type { Predictions } from '../../learn/index.ts';
import type { LoadedModel } from '../../registry/index.ts';

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
    .option('--no-log', 'do not log the scored rows (a registered model\'s are logged, so actuals join them by prediction_id and monitoring counts them)')
    .action(async (o: { model: string; input: string; output: string; keep?: string; json?: boolean; log: boolean }) => {
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
        const ids: (string | null)[] = new Array(p.rows).fill(null);
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
          else if (clusters) row = [csvCell(clusters[p.classIndex![i]]), (ids[i] = newId())];
          else if (!classes) row = [String(p.values![i]), (ids[i] = newId())];
          else {
            row = [csvCell(classes[p.classIndex![i]])];
            for (let k = 0; k < classes.length; k++) row.push(String(p.proba![i * classes.length + k]));
            row.push((ids[i] = newId()));
          }
          lines.push([...row, ...passthrough(i)].join(','));
        }
        const tmp = `${o.output}.tmp-${process.pid}`;
        writeFileSync(tmp, lines.join('\n') + '\n');
        renameSync(tmp, o.output);
        // a registered model's scored rows go to the prediction log (one record per row, under the id written beside it) and
        // its monitoring windows, as a served model's answers do
        if (o.log && s && loaded.version !== null) await logScored(storeUri(s.home), loaded, table, p, ids);
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

/** Log scored rows (those with an id) and count them into the version's monitoring window. */
async function logScored(uri: string, loaded: LoadedModel, table: Table, p: Predictions, ids: (string | null)[]): Promise<void> {
  const { createServingHooks, scoringJson } = await import('../../serve/index.ts');
  const hooks = createServingHooks(uri, { capacity: p.rows + 1, batch: 1000 });
  try {
    const version = String(loaded.version);
    const k = loaded.manifest.target.classes?.length ?? 0;
    const at = Date.now();
    for (let i = 0; i < p.rows; i++) {
      const id = ids[i];
      if (id === null) continue;
      const one: Predictions = { rows: 1, ...(p.values ? { values: p.values.subarray(i, i + 1) } : {}), ...(p.classIndex ? { classIndex: p.classIndex.subarray(i, i + 1) } : {}), ...(p.proba ? { proba: p.proba.subarray(i * k, (i + 1) * k) } : {}) };
      hooks.log!.push({ id, model: loaded.name, version, at, latencyMs: 0, table: takeRows(table, [i]), outputs: scoringJson(loaded.manifest, one, { prediction_id: id }), shadow: false });
    }
    hooks.monitor.answered(loaded.name, version, loaded.manifest, table, p, 0);
  } finally {
    await hooks.close();
  }
}
