import { openMetadataStore } from '../../src/store/index.ts';

/*
 * Writes to a SQLite store as fast as it can and prints one line per acknowledged (resolved) write, until it is killed:
 *   ack metric STEP | ack version N | ack alias N
 */
const store = await openMetadataStore(process.argv[2]);
const runId = process.argv[3];
let step = Number(process.argv[4]);
process.stdout.write('ready\n');
for (;;) {
  const points = Array.from({ length: 20 }, (_, j) => ({ key: 'loss', value: Math.random(), step: step + j, timestamp: Date.now() }));
  await store.runs.logBatch(runId, { metrics: points, tags: [{ key: 'last', value: String(step + 19) }] });
  process.stdout.write(`ack metric ${step + 19}\n`);
  step += 20;
  if (step % 100 === 0) {
    const v = await store.models.createVersion({ name: 'crash', runId, source: `models/crash/${step}`, digest: `d${step}`, task: 'binary', metrics: { step }, author: 'writer' });
    process.stdout.write(`ack version ${v.version}\n`);
    await store.models.setAlias('crash', 'staging', v.version, { name: 'writer', role: 'member' });
    process.stdout.write(`ack alias ${v.version}\n`);
  }
}
