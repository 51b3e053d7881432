// Worker bootstrap: the package runs TypeScript through tsx, and a worker thread does not inherit the parent's loader, so
// register it here before importing the task module named by the parent.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
