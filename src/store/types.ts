export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface Run {
  id: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  startedAt: number;
  endedAt: number | null;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

export interface StepRecord {
  runId: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
  startedAt: number;
  endedAt: number | null;
  error: string | null;
}

export interface DatasetVersion {
  id: string;
  name: string;
  version: number;
  contentHash: string;
  source: string;
  rows: number;
  columns: number;
  createdAt: number;
  /** the inferred schema and profile (JSON), when registered through the data layer */
  schema?: unknown;
  profile?: unknown;
}

export interface ModelVersion {
  name: string;
  version: number;
  runId: string | null;
  /** bundle directory, relative to the artifact root */
  source: string;
  digest: string;
  task: string;
  metrics: Record<string, number>;
  createdAt: number;
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  createdAt: number;
  latestVersion: number;
  aliases: Record<string, number>;
}
