import { parentPort } from 'node:worker_threads';

/** The thread side of `startService`: answer each call with the handler's result, or its error message. */
export function answerCalls<P, R>(handler: (payload: P) => Promise<R> | R, transfer: (r: R) => ArrayBuffer[] = () => []): void {
  parentPort!.on('message', async ({ id, payload }: { id: number; payload: P }) => {
    try {
      const result = await handler(payload);
      parentPort!.postMessage({ id, result }, transfer(result));
    } catch (e) {
      parentPort!.postMessage({ id, error: (e as Error).message });
    }
  });
}
