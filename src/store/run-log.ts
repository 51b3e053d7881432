import type { RunStore } from './metadata-store.ts';

/*
 * Shorthands over `RunStore.logBatch` for code that logs plain records (pipelines, the CLI). Each is one atomic batch.
 */

export function logMetrics(runs: RunStore, runId: string, metrics: Record<string, number>, step = 0): Promise<void> {
  const timestamp = Date.now();
  return runs.logBatch(runId, { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step, timestamp })) });
}

export function logParams(runs: RunStore, runId: string, params: Record<string, string | number | boolean>): Promise<void> {
  return runs.logBatch(runId, { params: Object.entries(params).map(([key, value]) => ({ key, value: String(value) })) });
}

export function setTags(runs: RunStore, runId: string, tags: Record<string, string>): Promise<void> {
  return runs.logBatch(runId, { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });
}

/** Every item of a paginated listing (for small listings: model names, a model's versions). */
export async function allPages<T>(fetch: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page = await fetch(cursor);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
