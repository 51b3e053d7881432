import type { FeatureSpec } from '../core/schema.ts';

/** One request a fresh serving process sends itself before it reports ready. */
export interface WarmUpRequest {
  path: string;
  body: string;
}

/** Rows per request of the batch bodies among the warm-up requests (most traffic is one row; some clients batch). */
const BATCH_ROWS = 16;

/**
 * Valid requests for a model, built from its signature alone (ranges and categories, never training rows): one-row and
 * batch bodies for both protocols (MLflow `/invocations`, KServe V2 infer), with values spread over each feature's range so
 * every branch of the encoders and trees is taken.
 */
export function warmUpRequests(name: string, signature: FeatureSpec[], variants = 8): WarmUpRequest[] {
  const value = (f: FeatureSpec, k: number): number | string => {
    if (f.kind === 'categorical') return f.categories.length === 0 ? 'x' : f.categories[k % f.categories.length];
    const lo = Number.isFinite(f.min) ? f.min : 0;
    const hi = Number.isFinite(f.max) ? f.max : lo;
    const v = lo + ((hi - lo) * (k % (variants + 1))) / variants;
    return f.integer || f.datetime ? Math.round(v) : v;
  };
  const records = (first: number, rows: number) => Array.from({ length: rows }, (_, r) => Object.fromEntries(signature.map((f) => [f.name, value(f, first + r)])));
  const tensors = (first: number, rows: number) =>
    signature.map((f) => {
      const data = Array.from({ length: rows }, (_, r) => value(f, first + r));
      return { name: f.name, shape: [rows], datatype: f.kind === 'categorical' ? 'BYTES' : 'FP64', data };
    });
  const out: WarmUpRequest[] = [];
  for (let k = 0; k < variants; k++) {
    const rows = k === variants - 1 ? BATCH_ROWS : 1;
    out.push({ path: '/invocations', body: JSON.stringify({ dataframe_records: records(k, rows) }) });
    out.push({ path: `/v2/models/${encodeURIComponent(name)}/infer`, body: JSON.stringify({ inputs: tensors(k, rows) }) });
  }
  return out;
}
