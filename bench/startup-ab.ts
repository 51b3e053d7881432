/**
 * Server start-up, before and after a change, side by side: `capstan server --port 0` of two checkouts (A and B, each built),
 * from launch to the first 200 from /v2/health/ready, alternating A and B ROUNDS times, each in a fresh home.
 * Run: node --import tsx bench/startup-ab.ts DIR_A DIR_B [ROUNDS=8]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB) throw new Error('usage: node --import tsx bench/startup-ab.ts DIR_A DIR_B [ROUNDS]');
const rounds = Number(process.argv[4] ?? 8);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function ready(dir: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(dir, 'bin', 'capstan.js'), 'server', '--port', '0'], {
    env: { ...process.env, CAPSTAN_HOME: mkdtempSync(join(tmpdir(), 'capstan-start-')), CAPSTAN_ADMIN_TOKEN: 'startup-bench-admin-token-0123456789abcdef' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /capstan server on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  for (;;) {
    try {
      if ((await fetch(`${url}/v2/health/ready`)).ok) break;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return ms;
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; A=${dirA} B=${dirB}\n`);
console.log('| round | A ms | B ms | B/A |');
console.log('|---|---|---|---|');
const ratios: number[] = [];
const as: number[] = [];
const bs: number[] = [];
for (let k = 0; k < rounds; k++) {
  let ta: number;
  let tb: number;
  if (k % 2 === 0) {
    ta = await ready(dirA);
    tb = await ready(dirB);
  } else {
    tb = await ready(dirB);
    ta = await ready(dirA);
  }
  as.push(ta);
  bs.push(tb);
  ratios.push(tb / ta);
  console.log(`| ${k + 1} | ${ta.toFixed(0)} | ${tb.toFixed(0)} | ${(tb / ta).toFixed(3)} |`);
}
console.log(`| median | ${median(as).toFixed(0)} | ${median(bs).toFixed(0)} | ${median(ratios).toFixed(3)} |`);
