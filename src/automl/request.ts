import type { Bundle } from '../registry/index.ts';
import type { DatasetVersion, Run, Stores } from '../store/index.ts';
import type { Candidate, SearchState } from './search.ts';

export const AUTOML_TASKS = ['auto', 'binary', 'multiclass', 'regression', 'clustering'] as const;

/** An AutoML run, as the CLI's options or the SDK's arguments give it (checked here; errors name the option). */
export interface AutomlRequest {
  /** for clustering: a column to leave out */
  target?: string;
  task: (typeof AUTOML_TASKS)[number];
  metric?: string;
  /** wall-clock seconds for the whole run */
  budget: number;
  cv: number;
  /** repeats of the K folds with fresh shuffles; by default 3 up to 2000 rows (where one split's noise can pick the winner), else 1 */
  cvRepeats?: number;
  seed: number;
  /** a fixed number of candidates instead of a time budget (the leaderboard then depends on the seed alone) */
  trials?: number;
  learners?: string[];
  /** only learners whose models export to ONNX (and ensembles of them) */
  onnxOnly?: boolean;
  register?: string;
  /** fan candidates out to capstan workers on this Redis */
  redis?: string;
  queue: string;
}

/** Where an AutoML run records and reports: the stores, the acting principal, progress lines and candidate events. */
export interface AutomlContext {
  stores: Stores;
  actor: string;
  /** record on this run, with this dataset version (a pipeline's automl step), instead of a new run and a registration */
  record?: { run: Run; dataset: DatasetVersion | null };
  /** the winner's bundle, before any registration (a pipeline step keeps it as its model output) */
  saveModel?: (bundle: Bundle) => Promise<void>;
  /** the file's name, for messages and its format, when the file is a stored blob */
  fileName?: string;
  say?: (line: string) => void;
  onCandidate?: (c: Candidate, s: SearchState, elapsed: number) => void;
}

/** The run's document (the CLI's `--json`): leaderboard, winner, ensemble, insights summary, guardrails, run id. */
export type AutomlReport = Record<string, unknown> & { run_id: string; seconds: number };
