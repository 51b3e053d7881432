import { CapstanError } from '../core/errors.ts';
import type { StepRecord } from '../store/types.ts';
import { planPipeline } from './lint.ts';
import type { Pipeline, StepContext } from './spec.ts';

export interface ExecutorHooks {
  /** persist a step's status (the metadata store's recordStep) */
  record(step: StepRecord): Promise<void>;
  onStart?(name: string, title: string, index: number, total: number): void;
  onEnd?(name: string, seconds: number, status: StepRecord['status']): void;
}

export interface PipelineResult {
  outputs: Map<string, Record<string, unknown>>;
  seconds: Record<string, number>;
}

/**
 * Runs a linted pipeline in-process, in dependency order, recording each step's status and timing. A failing step is recorded
 * as FAILED with its message, the rest as SKIPPED, and the error is rethrown.
 */
export async function runPipeline(p: Pipeline, ctx: StepContext, hooks: ExecutorHooks): Promise<PipelineResult> {
  const order = planPipeline(p);
  const outputs = new Map<string, Record<string, unknown>>();
  const seconds: Record<string, number> = {};
  for (let i = 0; i < order.length; i++) {
    const s = order[i];
    const startedAt = Date.now();
    const t0 = performance.now();
    await hooks.record({ runId: ctx.runId, name: s.name, status: 'RUNNING', startedAt, endedAt: null, error: null });
    hooks.onStart?.(s.name, s.title, i, order.length);
    const inputs: Record<string, unknown> = {};
    for (const [k, spec] of Object.entries(s.inputs)) {
      const [producer, output] = spec.from.split('.');
      inputs[k] = outputs.get(producer)![output];
    }
    try {
      const out = await s.run(inputs, ctx);
      const missing = Object.keys(s.outputs).filter((o) => !(o in out));
      if (missing.length > 0) throw new CapstanError('INTERNAL', `step "${s.name}" did not produce output ${missing.join(', ')}`);
      outputs.set(s.name, out);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await hooks.record({ runId: ctx.runId, name: s.name, status: 'FAILED', startedAt, endedAt: Date.now(), error: message });
      for (const rest of order.slice(i + 1)) await hooks.record({ runId: ctx.runId, name: rest.name, status: 'SKIPPED', startedAt: Date.now(), endedAt: Date.now(), error: null });
      hooks.onEnd?.(s.name, (performance.now() - t0) / 1000, 'FAILED');
      throw e;
    }
    seconds[s.name] = (performance.now() - t0) / 1000;
    await hooks.record({ runId: ctx.runId, name: s.name, status: 'SUCCEEDED', startedAt, endedAt: Date.now(), error: null });
    hooks.onEnd?.(s.name, seconds[s.name], 'SUCCEEDED');
  }
  return { outputs, seconds };
}
