/**
 * A module beside the calling one (`import.meta.url`), in the calling module's own form: `.ts` when running from the
 * sources through tsx, `.js` once compiled (`npm run build`). For worker threads, which load a module by URL.
 *
 * @example
 * new Worker(WORKER_ENTRY, { workerData: { module: siblingModule(import.meta.url, './csv-worker').href } });
 */
export function siblingModule(from: string, name: string): URL {
  return new URL(`${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}
