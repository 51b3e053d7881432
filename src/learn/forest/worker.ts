import { parentPort, workerData } from 'node:worker_threads';
import { growTrees, type GrowJob } from './grow-trees.ts';

const result = growTrees((workerData as { payload: GrowJob }).payload);
parentPort!.postMessage(result);
