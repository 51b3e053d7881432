import type { Table } from '../../core/table.ts';
import type { Principal, Stores } from '../../store/index.ts';
import type { PortType } from '../define/schema.ts';

/** A file output: a content-addressed blob in the artifact store. */
export interface FileRef {
  blob: string;
  size: number;
  /** the file's name where it came from (messages say "not found in telco.csv", not in a blob) */
  name?: string;
}
/** A model output: a bundle in the artifact store (its prefix, and the bundle's digest). */
export interface ModelRef {
  bundle: string;
  digest: string;
}

/** What a port of each type carries between steps. */
export type ValueOf<T extends PortType> = T extends 'string'
  ? string
  : T extends 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'file'
        ? FileRef
        : T extends 'model'
          ? ModelRef
          : T extends 'list'
            ? unknown[]
            : unknown;

export interface PortSpec {
  type: PortType;
  description: string;
  /** used when the step does not set the input */
  default?: unknown;
  /** may be left unset (the component gets undefined) */
  optional?: boolean;
  /** a file input the component parses into a table (`ctx.readTable`): a step of the same process may hand it over parsed */
  table?: boolean;
}

export type Ports = Record<string, PortSpec>;
/** The values of a component's inputs as its `run` receives them (defaults applied). */
export type InputValues<I extends Ports> = { [K in keyof I]: I[K]['optional'] extends true ? ValueOf<I[K]['type']> | undefined : ValueOf<I[K]['type']> };
export type OutputValues<O extends Ports> = { [K in keyof O]: ValueOf<O[K]['type']> };

export interface ComponentContext {
  stores: Stores;
  /** the step's own run (a child of the pipeline's) */
  runId: string;
  pipelineRunId: string;
  actor: Principal;
  /** a line for the step's log (kept as an artifact of its run) */
  log(line: string): void;
  /** aborted when the step times out or the run is cancelled */
  signal: AbortSignal;
  /** a scratch folder of this attempt, removed afterwards */
  workdir: string;
  /** the folder the pipeline file is in (relative paths in inputs are read from there) */
  baseDir: string;
  /** a local path of a file input, to read (never to write: on a local artifact store it is the stored blob itself) */
  localPath(ref: FileRef): Promise<string>;
  /** keep a local file (or bytes) as a file output */
  saveFile(source: string | Uint8Array): Promise<FileRef>;
  /** a file input as a table: the one a step before handed over in this process, else parsed now */
  readTable(ref: FileRef): Promise<Table>;
  /** whether a step after this one reads output `port` as a table (then `shareTable` saves it parsing the file again) */
  tableWanted(port: string): boolean;
  shareTable(ref: FileRef, table: Table): void;
}

/** A reusable, typed step: its ports are checked when a pipeline is linted, its version is part of its cache key. */
export interface Component<I extends Ports = Ports, O extends Ports = Ports> {
  name: string;
  version: string;
  description: string;
  inputs: I;
  outputs: O;
  run(inputs: InputValues<I>, ctx: ComponentContext): Promise<OutputValues<O>>;
  /**
   * What the inputs alone do not say about the outputs, for the cache key: the content of a file named by a path input. A
   * component whose effect must happen on every run (moving an alias) sets `cacheable: false` instead.
   */
  fingerprint?(inputs: InputValues<I>, baseDir: string): Promise<string>;
  cacheable?: boolean;
  /**
   * What it logs on its run (params, metrics) also describes the pipeline's run, which takes them over (a training step's
   * scores): runs of a pipeline then compare by them.
   */
  summary?: boolean;
  /** CPU-bound (a fit, a search, scoring): run beside another such step, it gets a worker thread of its own */
  heavy?: boolean;
  /** What a reused result still records on this run (lineage), when the outputs come from the cache. */
  reused?(outputs: OutputValues<O>, inputs: InputValues<I>, ctx: Pick<ComponentContext, 'stores' | 'runId' | 'pipelineRunId'>): Promise<void>;
}

/** Declare a component (keeps its port types for `run` and for the TypeScript pipeline builder). */
export function component<const I extends Ports, const O extends Ports>(c: Component<I, O>): Component<I, O> {
  return c;
}

export function isFileRef(v: unknown): v is FileRef {
  return typeof v === 'object' && v !== null && typeof (v as FileRef).blob === 'string';
}
/** What messages call a file input: its original name, else "data". */
export function fileLabel(ref: FileRef): string {
  return ref.name ?? 'data';
}

export function isModelRef(v: unknown): v is ModelRef {
  return typeof v === 'object' && v !== null && typeof (v as ModelRef).bundle === 'string';
}
