/**
 * Run search, before and after a change, side by side: 100 000 runs bulk-loaded once per backend (SQLite file, PostgreSQL
 * schema), then a `capstan server` of each checkout (A and B) over that same store, and ROUNDS rounds of 15 searches per filter
 * on A then B (then B then A, alternating), `POST /api/v1/runs/search` as bench/tracking.ts sends it. Reports each round's
 * median per server and the median of B/A.
 * Run: node --import tsx bench/search-ab.ts DIR_A DIR_B [ROUNDS=6]
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonClient } from '../test/api/client.ts';
import { dropPgSchemas, pgTestUri } from '../test/helpers.ts';
import { bulkRuns, startCapstanServer, TOKEN } from './tracking-lib.ts';

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB) throw new Error('usage: node --import tsx bench/search-ab.ts DIR_A DIR_B [ROUNDS]');
const rounds = Number(process.argv[4] ?? 6);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const FILTERS = [
  ['broad', "metrics.roc_auc > 0.8 and params.learner = 'gbdt' and tags.team = 'risk'"],
  ['selective', "metrics.roc_auc > 0.999 and params.learner = 'gbdt' and tags.team = 'risk'"],
];

async function side(label: string, uri: string): Promise<void> {
  await bulkRuns(uri, 100_000);
  const a = await startCapstanServer(dirA, uri);
  const b = await startCapstanServer(dirB, uri);
  const ca = jsonClient(a.url, TOKEN);
  const cb = jsonClient(b.url, TOKEN);
  try {
    for (const [what, filter] of FILTERS) {
      const ratios: number[] = [];
      const rows: string[] = [];
      const measure = async (c: typeof ca) => {
        const times: number[] = [];
        for (let i = 0; i < 15; i++) {
          const t = performance.now();
          const r = await c.call('POST', '/api/v1/runs/search', { filter, limit: 100 });
          times.push(performance.now() - t);
          if (r.status !== 200) throw new Error(r.text);
        }
        return median(times);
      };
      for (let k = 0; k < rounds; k++) {
        let ta: number;
        let tb: number;
        if (k % 2 === 0) {
          ta = await measure(ca);
          tb = await measure(cb);
        } else {
          tb = await measure(cb);
          ta = await measure(ca);
        }
        ratios.push(tb / ta);
        rows.push(`| ${label} | ${what} | ${k + 1} | ${ta.toFixed(1)} | ${tb.toFixed(1)} | ${(tb / ta).toFixed(3)} |`);
      }
      for (const r of rows) console.log(r);
      console.log(`| ${label} | ${what} | median B/A | | | ${median(ratios).toFixed(3)} |`);
    }
  } finally {
    ca.close();
    cb.close();
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
  }
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; A=${dirA} B=${dirB}\n`);
console.log('| backend | filter | round | A median ms | B median ms | B/A (time) |');
console.log('|---|---|---|---|---|---|');
await side('SQLite', `sqlite:${join(mkdtempSync(join(tmpdir(), 'capstan-bench-db-')), 'capstan.db')}`);
await side('PostgreSQL', pgTestUri());
await dropPgSchemas();
