import { Worker } from 'node:worker_threads';
import { CapstanError } from '../../core/errors.ts';

/** The worker bootstrap every worker thread starts from (it registers tsx, then imports the task module). */
export const WORKER_ENTRY = new URL('./entry.mjs', import.meta.url);

/**
 * Run one job per payload in worker threads (module = a file URL whose top level reads `workerData.payload` and posts one
 * result). Results come back in payload order, so callers that split work deterministically get the same answer for any
 * thread count. Typed arrays on SharedArrayBuffers are shared, not copied.
 */
export function runInWorkers<P, R>(module: URL, payloads: P[]): Promise<R[]> {
  return Promise.all(
    payloads.map(
      (payload) =>
        new Promise<R>((resolve, reject) => {
          const w = new Worker(WORKER_ENTRY, { workerData: { module: module.href, payload } });
          let done = false;
          w.once('message', (m: R) => {
            done = true;
            resolve(m);
            void w.terminate();
          });
          w.once('error', (e) => reject(new CapstanError('INTERNAL', `worker failed: ${e.message}`)));
          w.once('exit', (code) => {
            if (!done) reject(new CapstanError('INTERNAL', `worker exited with code ${code} before answering`));
          });
        }),
    ),
  );
}

/** Copy a typed array onto shared memory (once) so every worker reads the same bytes. */
export function shared<T extends Uint8Array | Float64Array>(a: T): T {
  const ctor = a.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const out = new ctor(new SharedArrayBuffer(a.length * ctor.BYTES_PER_ELEMENT));
  out.set(a);
  return out;
}
