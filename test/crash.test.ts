import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rng } from '../src/core/random.ts';
import { loadModel } from '../src/registry/index.ts';
import { openStores, openMetadataStore } from '../src/store/index.ts';
import { BIN, tempHome } from './helpers.ts';

function runAndKill(home: string, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'quickstart', '--no-serve'], { env: { ...process.env, CAPSTAN_HOME: home }, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('kill -9 during quickstart', () => {
  it('leaves the store readable: integrity ok, every version and alias loads', async () => {
    const home = tempHome();
    const rng = new Rng(7);
    for (let trial = 0; trial < 12; trial++) {
      await runAndKill(home, 150 + rng.int(1500));
      const db = await openMetadataStore(join(home, 'capstan.db'));
      assert.equal(await db.integrityCheck(), 'ok', `trial ${trial}`);
      await db.close();
      const stores = await openStores(home);
      try {
        for (const m of (await stores.metadata.models.listModels()).items) {
          for (const v of (await stores.metadata.models.listVersions(m.name)).items) {
            const loaded = await loadModel(stores, `${m.name}:${v.version}`);
            assert.equal(loaded.digest, v.digest, `trial ${trial}: ${m.name}:${v.version}`);
          }
          if (m.aliases.champion) await loadModel(stores, `${m.name}@champion`);
        }
      } finally {
        await stores.metadata.close();
      }
    }
  });
});
