import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { cellValue } from '../../core/table.ts';
import type { ActualInput } from '../../monitor/index.ts';
import { stores } from '../common.ts';
import { printJson } from '../output.ts';
import { remoteOptions, withTarget, type TargetOptions } from '../target.ts';

/** Actuals sent per request to a server (the API's batch limit). */
const BATCH = 10_000;

export function actualsCommand(program: Command): void {
  const actuals = program.command('actuals').description('ground truth for logged predictions, joined by prediction id');
  remoteOptions(actuals.command('upload').argument('<file>', 'CSV, Parquet or JSON lines with a prediction id and the actual per row'))
    .description('store actuals for logged predictions (a retried upload counts once); ids with no logged prediction are reported')
    .requiredOption('--id-column <col>', 'the column holding the prediction id (x-prediction-id, prediction_id)')
    .requiredOption('--actual-column <col>', 'the column holding the true label or value')
    .option('--row-column <col>', 'the row within a multi-row request (default: row 0)')
    .action(async (file: string, o: TargetOptions & { idColumn: string; actualColumn: string; rowColumn?: string }) => {
      const { readTable } = await import('../../data/index.ts');
      const t = await readTable(file);
      const col = (flag: string, name: string) => {
        const c = t.columns.find((x) => x.name === name);
        if (!c) throw invalid(`${flag} "${name.slice(0, 64)}" is not a column of ${file} (it has ${t.columns.slice(0, 10).map((x) => x.name).join(', ')}${t.columns.length > 10 ? ', ...' : ''})`);
        return c;
      };
      const ids = col('--id-column', o.idColumn);
      const values = col('--actual-column', o.actualColumn);
      const rowsCol = o.rowColumn ? col('--row-column', o.rowColumn) : null;
      const items: ActualInput[] = [];
      for (let r = 0; r < t.rows; r++) {
        const id = cellValue(ids, r);
        const value = cellValue(values, r);
        if (id === null || value === null) throw invalid(`row ${r + 2} of ${file}: the prediction id and the actual may not be empty`);
        const row = rowsCol ? cellValue(rowsCol, r) : 0;
        if (typeof row !== 'number' || !Number.isInteger(row) || row < 0) throw invalid(`row ${r + 2} of ${file}: --row-column must hold integers >= 0`);
        const text = String(id);
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(text)) throw invalid(`row ${r + 2} of ${file}: a prediction id is 1 to 64 letters, digits, "_" or "-" (got "${text.slice(0, 64)}")`);
        items.push({ id: text, row, value });
      }
      let result = { inserted: 0, duplicates: 0, unmatched: [] as string[] };
      const add = (r: typeof result) => (result = { inserted: result.inserted + r.inserted, duplicates: result.duplicates + r.duplicates, unmatched: [...result.unmatched, ...r.unmatched] });
      if (o.server) {
        await withTarget(o, async (store) => {
          const client = store as import('../../sdk/client.ts').CapstanClient;
          for (let i = 0; i < items.length; i += BATCH) add(await client.monitoring.actuals(items.slice(i, i + BATCH)));
        });
      } else {
        const { recordActuals } = await import('../../monitor/index.ts');
        const s = await stores();
        try {
          for (let i = 0; i < items.length; i += BATCH) add(await recordActuals(s, items.slice(i, i + BATCH)));
        } finally {
          await s.metadata.close();
        }
      }
      if (o.json) return printJson({ rows: items.length, ...result });
      process.stdout.write(`${items.length} actuals: ${result.inserted} stored, ${result.duplicates} already stored, ${result.unmatched.length} with no logged prediction${result.unmatched.length ? ` (first: ${result.unmatched.slice(0, 3).join(', ')})` : ''}\n`);
    });
}
