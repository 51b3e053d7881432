import { parentPort, workerData } from 'node:worker_threads';
import { growTrees, packTrees, type GrowJob } from './grow-trees.ts';

const job = (workerData as { payload: GrowJob }).payload;
const { trees, oob, oobCount } = growTrees(job);
const packed = packTrees(trees, Math.max(1, job.classes));
const buffers = [...Object.values(packed), oob, oobCount].map((a) => a.buffer as ArrayBuffer);
parentPort!.postMessage({ packed, oob, oobCount }, buffers);
