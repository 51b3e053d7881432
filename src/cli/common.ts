import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capstanHome } from '../core/config.ts';
import { invalid } from '../core/errors.ts';
import type { Pipeline, PipelineResult } from '../pipeline/index.ts';
import type { Principal, Stores } from '../store/index.ts';
import type { Output } from './output.ts';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The stores under $CAPSTAN_HOME (loaded on first use: commands such as `data profile` never open them). */
export async function stores(): Promise<Stores> {
  const { openStores } = await import('../store/index.ts');
  return openStores(capstanHome());
}

/** Who the local CLI acts as in the audit log. */
export function localActor(): string {
  return `local:${process.env.USER || process.env.USERNAME || 'user'}`;
}

/** The local user owns the store file, so acts with the admin role (governance still applies: an admin is not two people). */
export function localPrincipal(): Principal {
  return { name: localActor(), role: 'admin' };
}

export function parseIntOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

/** `--param k=v` values into an object (numbers where they parse, else words for enum parameters); a malformed one names itself. */
export function parseParams(list: string[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const p of list) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(p);
    if (!m) throw invalid(`--param "${p}" must look like name=value`);
    const v = Number(m[2]);
    out[m[1]] = Number.isFinite(v) ? v : m[2];
  }
  return out;
}

/** Run a pipeline inside a tracked run, printing each stage; the run ends FINISHED or FAILED. */
export async function trackedPipeline(s: Stores, out: Output, experiment: string, pipeline: Pipeline, tags: Record<string, string> = {}): Promise<{ runId: string; result: PipelineResult }> {
  const run = await s.metadata.runs.create({ experiment, userId: localActor(), name: `${pipeline.name}-${new Date().toISOString()}`, tags });
  try {
    const { runPipeline } = await import('../pipeline/index.ts');
    const result = await runPipeline(
      pipeline,
      { runId: run.id, log: (m) => out.detail(m) },
      {
        record: (r) => s.metadata.runs.recordStep(r),
        onStart: (_name, title, i, total) => out.stage(i, total, title),
        onEnd: (_name, seconds, status) => out.detail(`${status === 'SUCCEEDED' ? 'done' : 'failed'} in ${seconds.toFixed(2)} s`),
      },
    );
    await s.metadata.runs.update(run.id, { status: 'FINISHED' });
    return { runId: run.id, result };
  } catch (e) {
    await s.metadata.runs.update(run.id, { status: 'FAILED' });
    throw e;
  }
}
