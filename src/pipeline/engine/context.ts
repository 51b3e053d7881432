import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline as pump } from 'node:stream/promises';
import { blobName, type Principal, type Stores } from '../../store/index.ts';
import type { Table } from '../../core/table.ts';
import type { ComponentContext, FileRef } from '../components/index.ts';

/** What a component's attempt sees of its run, in this process or in a worker thread of its own. */
export function componentContext(o: {
  stores: Stores;
  runId: string;
  pipelineRunId: string;
  actor: Principal;
  baseDir: string;
  workdir: string;
  signal: AbortSignal;
  log: (line: string) => void;
  /** tables handed over between the steps of this run in this process (by blob digest), and the outputs wanted as tables */
  tables?: { shared: Map<string, Table>; wanted: ReadonlySet<string> };
}): ComponentContext {
  const { stores, workdir } = o;
  const ctx: ComponentContext = {
    stores,
    runId: o.runId,
    pipelineRunId: o.pipelineRunId,
    actor: o.actor,
    log: o.log,
    signal: o.signal,
    workdir,
    baseDir: o.baseDir,
    localPath: async (ref: FileRef) => {
      // a local artifact store's blob is read where it is (a data file is not copied for every step that reads it)
      if (stores.artifacts.uri.startsWith('file:') && (await stores.artifacts.exists(blobName(ref.blob)))) return stores.artifacts.locate(blobName(ref.blob));
      const path = join(workdir, `blob-${ref.blob}`);
      const { stream } = await stores.artifacts.openBlob(ref.blob);
      await pump(stream, createWriteStream(path));
      return path;
    },
    saveFile: async (source) => {
      const b = await stores.artifacts.putBlob(typeof source === 'string' ? createReadStream(source) : Readable.from([source]));
      return { blob: b.digest, size: b.size };
    },
    readTable: async (ref) => {
      const kept = o.tables?.shared.get(ref.blob);
      if (kept) return kept;
      const { readTable } = await import('../../data/index.ts');
      return readTable(await ctx.localPath(ref), ref.name ? { formatName: ref.name } : {});
    },
    tableWanted: (port) => o.tables?.wanted.has(port) ?? false,
    shareTable: (ref, table) => void o.tables?.shared.set(ref.blob, table),
  };
  return ctx;
}
