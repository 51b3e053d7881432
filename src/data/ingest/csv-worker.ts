// A thread that reads blocks of a CSV file beside the main thread (see csv-scan.ts): it posts what it read, with its
// arrays transferred, or why it stopped.
import { closeSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { CsvInSequence } from '../csv/scanner.ts';
import { scanBlocks, type BlockPlan } from './csv-blocks.ts';

const plan = (workerData as { payload: BlockPlan }).payload;
const fd = openSync(plan.file, 'r');
try {
  const { scanned } = scanBlocks(fd, plan, 'worker');
  const transfer = new Set<ArrayBuffer>();
  for (const pieces of [...scanned.numbers, ...(scanned.codes ?? [])]) for (const p of pieces) transfer.add(p.buffer as ArrayBuffer);
  for (const t of scanned.texts) if (t) for (const a of [t.bytes, t.hashes, t.starts, t.lengths, t.counts]) transfer.add(a.buffer as ArrayBuffer);
  parentPort!.postMessage({ scanned }, [...transfer]);
} catch (e) {
  parentPort!.postMessage({ failed: e instanceof Error ? e.message : String(e), code: (e as { code?: unknown }).code, inSequence: e instanceof CsvInSequence });
} finally {
  closeSync(fd);
}
