import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { isCapstanError } from '../../core/errors.ts';
import { openStores, type Principal } from '../../store/index.ts';
import { getComponent } from '../components/index.ts';
import { componentContext } from './context.ts';

/** What a worker thread gets to run one attempt of a CPU-bound component step (see `inThread` in run.ts). */
export interface ThreadAttempt {
  home: string;
  uris: { metadata: string; artifacts: string };
  component: string;
  inputs: Record<string, unknown>;
  runId: string;
  pipelineRunId: string;
  actor: Principal;
  baseDir: string;
}

/** Messages to the engine: log lines as they come, then the outputs or the error. */
export type ThreadMessage = { log: string } | { outputs: Record<string, unknown> } | { error: { code: string; message: string } };

const a = (workerData as { payload: ThreadAttempt }).payload;
const post = (m: ThreadMessage) => parentPort!.postMessage(m);
const stores = await openStores(a.home, a.uris.metadata, a.uris.artifacts);
const workdir = await mkdtemp(join(tmpdir(), 'capstan-step-'));
try {
  const ctx = componentContext({ stores, runId: a.runId, pipelineRunId: a.pipelineRunId, actor: a.actor, baseDir: a.baseDir, workdir, signal: new AbortController().signal, log: (log) => post({ log }) });
  post({ outputs: (await getComponent(a.component).run(a.inputs as never, ctx)) as Record<string, unknown> });
} catch (e) {
  post({ error: { code: isCapstanError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) } });
} finally {
  await rm(workdir, { recursive: true, force: true });
  await stores.metadata.close();
  await stores.artifacts.close();
}
