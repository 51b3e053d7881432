import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/random.ts';
import { openMetadataStore } from '../../src/store/index.ts';
import { tempHome } from '../helpers.ts';

const CHILD = join(import.meta.dirname, 'writer-child.ts');

/** Run the writer until a random moment after it is ready, kill -9 it, and return the writes it saw acknowledged. */
function writeAndKill(db: string, runId: string, firstStep: number, afterMs: number): Promise<{ metric: number; version: number; alias: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, runId, String(firstStep)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = { metric: -1, version: 0, alias: 0 };
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (l === 'ready') setTimeout(() => child.kill('SIGKILL'), afterMs);
        const m = /^ack (metric|version|alias) (\d+)$/.exec(l);
        if (m) acked[m[1] as 'metric'] = Number(m[2]);
      }
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited by itself: ${stderr.slice(0, 500)}`))));
  });
}

describe('kill -9 during writes', () => {
  it('100 trials: every restart passes the integrity check and keeps every acknowledged write', async () => {
    const db = join(tempHome(), 'capstan.db');
    const setup = await openMetadataStore(db);
    const runId = (await setup.runs.create({ experiment: 'crash', name: 'writer' })).id;
    await setup.close();
    const rng = new Rng(11);
    let nextStep = 0;
    let acks = 0;
    for (let trial = 0; trial < 100; trial++) {
      const acked = await writeAndKill(db, runId, nextStep, 5 + rng.int(120));
      const s = await openMetadataStore(db);
      try {
        assert.equal(await s.integrityCheck(), 'ok', `trial ${trial}`);
        const history = await s.runs.metricHistory(runId, 'loss');
        const maxStep = history.length ? history[history.length - 1].step : -1;
        assert.ok(maxStep >= acked.metric, `trial ${trial}: acknowledged step ${acked.metric}, stored up to ${maxStep}`);
        assert.equal(history.length, maxStep + 1, `trial ${trial}: every step 0..${maxStep} present once`);
        // the batch's tag landed with its points, or neither did
        assert.equal((await s.runs.get(runId)).tags.last ?? '-1', String(maxStep), `trial ${trial}: batch atomicity`);
        if (acked.version > 0) assert.ok((await s.models.latestVersion('crash')).version >= acked.version, `trial ${trial}: version ${acked.version}`);
        if (acked.alias > 0) assert.ok(((await s.models.aliasVersion('crash', 'staging')) ?? 0) >= acked.alias, `trial ${trial}: alias`);
        nextStep = maxStep + 1;
        acks += acked.metric >= 0 ? 1 : 0;
      } finally {
        await s.close();
      }
    }
    assert.ok(acks >= 50, `only ${acks} trials were killed after an acknowledged write`);
  });
});
