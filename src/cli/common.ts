import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capstanHome } from '../core/config.ts';
import { CapstanError, invalid } from '../core/errors.ts';
import { checkInteger } from '../core/names.ts';
import type { Component, OutputValues, Ports } from '../pipeline/components/component.ts';
import type { PipelineRunResult } from '../pipeline/engine/run.ts';
import type { PipelineSpec } from '../pipeline/define/schema.ts';
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
  return checkInteger(name, value, min, max);
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

/**
 * Run a command's pipeline (`train`, `quickstart`, `automl` are pipelines of the built-in components) in this process,
 * every step computed: each step printed as a stage with its log lines as they come. A failed step fails the command with
 * its own error (code and message), as if the command had done the work itself.
 */
export async function runStages(s: Stores, out: Output, spec: PipelineSpec, o: { experiment: string; titles: Record<string, string>; stagesAfter?: number; show?: (line: string) => boolean }): Promise<PipelineRunResult> {
  const { compileOrThrow, runCompiledPipeline } = await import('../pipeline/index.ts');
  const pipeline = compileOrThrow(spec);
  // the command's own stages after the pipeline's are counted in [i/n]
  const total = pipeline.steps.length + pipeline.final.length + (o.stagesAfter ?? 0);
  let index = 0;
  const result = await runCompiledPipeline(pipeline, {
    stores: s,
    actor: localPrincipal(),
    params: {},
    baseDir: process.cwd(),
    noCache: true,
    experiment: o.experiment,
    onEvent: (e) => {
      if (e.kind === 'start') out.stage(index++, total, o.titles[e.step] ?? e.step);
      else if (e.kind === 'log' && (o.show?.(e.line) ?? true)) out.detail(e.line);
      else if (e.kind === 'end' && e.result.status !== 'SKIPPED') out.detail(`${e.result.status === 'SUCCEEDED' ? 'done' : 'failed'} in ${e.result.seconds.toFixed(2)} s`);
    },
  });
  const failed = result.steps.find((r) => r.status === 'FAILED');
  if (failed) throw new CapstanError(failed.code ?? 'INTERNAL', failed.reason ?? `step ${failed.name} failed`);
  return result;
}

/** The outputs of a step of a finished run, typed by the component that produced them. */
export function outputsOf<O extends Ports>(result: PipelineRunResult, step: string, _component: Component<Ports, O>): OutputValues<O> {
  const r = result.steps.find((x) => x.name === step);
  if (!r?.outputs) throw new CapstanError('INTERNAL', `step ${step} has no outputs`);
  return r.outputs as OutputValues<O>;
}
