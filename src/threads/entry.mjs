// Worker bootstrap. From the sources the task module is TypeScript, and a worker thread does not inherit the parent's
// loader, so tsx is registered here first; a compiled task module (dist/, .js) loads as it is, without tsx's start-up.
import { workerData } from 'node:worker_threads';

if (workerData.module.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.module);
