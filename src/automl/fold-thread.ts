// Runs in a worker thread of `capstan worker` (see remote.ts): decodes each search's problem once and fits folds of it.
import { isMainThread } from 'node:worker_threads';
import { answerCalls } from '../threads/answer.ts';
import { decodeProblem, evaluateFold, type FoldJob, type FoldResult, type Problem } from './evaluate.ts';

export interface FoldCall {
  key: string;
  job: FoldJob;
  /** the encoded problem, sent only when the thread answered `missing` */
  bytes?: Uint8Array;
}

export type FoldReply = { missing: true } | { result: FoldResult };

const KEEP = 3;
const problems = new Map<string, Problem>();

if (!isMainThread)
  answerCalls<FoldCall, FoldReply>(
    async ({ key, job, bytes }) => {
      let p = problems.get(key);
      if (!p) {
        if (!bytes) return { missing: true };
        p = decodeProblem(bytes);
        problems.set(key, p);
        for (const k of [...problems.keys()].slice(0, Math.max(0, problems.size - KEEP))) problems.delete(k);
      }
      return { result: await evaluateFold(p, job) };
    },
    (r) => ('result' in r ? [r.result.predictions.buffer as ArrayBuffer] : []),
  );
