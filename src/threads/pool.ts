import { Worker } from 'node:worker_threads';
import { CapstanError } from '../core/errors.ts';

/** The bootstrap every worker thread starts from (it registers tsx for a TypeScript task module, then imports it). */
const WORKER_ENTRY = new URL('./entry.mjs', import.meta.url);

/**
 * A module beside the calling one (`import.meta.url`), in the calling module's own form: `.ts` when running from the
 * sources through tsx, `.js` once compiled (`npm run build`).
 *
 * @example
 * startThread(siblingModule(import.meta.url, './csv-worker'), plan);
 */
export function siblingModule(from: string, name: string): URL {
  return new URL(`${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}

/** A worker thread running `module`, which finds `payload` as `workerData.payload`. */
export function startThread(module: URL, payload?: unknown): Worker {
  return new Worker(WORKER_ENTRY, { workerData: { module: module.href, payload } });
}

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
          const w = startThread(module, payload);
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

/** A long-lived worker thread answering calls one at a time (state such as a decoded dataset stays loaded between calls). */
export interface ThreadService<P, R> {
  call(payload: P): Promise<R>;
  close(): Promise<void>;
}

/**
 * Start `module` in a worker thread; its top level calls `answerCalls(handler)`. A call that throws rejects with the
 * thread's message; a thread that dies rejects what it had and is restarted on the next call.
 */
export function startService<P, R>(module: URL, opts: { unrefWhenIdle?: boolean } = {}): ThreadService<P, R> {
  let w: Worker | null = null;
  // an idle helper need not keep the process alive (a server's scoring thread); a busy one must
  const idle = () => {
    if (opts.unrefWhenIdle && pending.size === 0) w?.unref();
  };
  let seq = 0;
  const pending = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void }>();
  const thread = (): Worker => {
    if (w) return w;
    const t = startThread(module);
    t.on('message', (m: { id: number; result?: R; error?: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      idle();
      if (m.error !== undefined) p?.reject(new CapstanError('INVALID_ARGUMENT', m.error));
      else p?.resolve(m.result as R);
    });
    const fail = (e: Error) => {
      if (w === t) w = null;
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    t.on('error', (e) => fail(new CapstanError('INTERNAL', `worker thread failed: ${e.message}`)));
    t.on('exit', (code) => fail(new CapstanError('INTERNAL', `worker thread exited with code ${code}`)));
    w = t;
    return t;
  };
  return {
    call(payload: P) {
      return new Promise<R>((resolve, reject) => {
        const id = ++seq;
        pending.set(id, { resolve, reject });
        const t = thread();
        if (opts.unrefWhenIdle) t.ref();
        t.postMessage({ id, payload });
      });
    },
    async close() {
      const t = w;
      w = null;
      await t?.terminate();
    },
  };
}
