/**
 * A pipeline is a DAG of steps with named, typed ports. A step input names its producer as `step.output`; the graph is linted
 * (unknown producers, type mismatches, cycles) before anything runs.
 */
export type PortType = 'table' | 'features' | 'target' | 'split' | 'model' | 'evaluation' | 'dataset' | 'run' | 'model-version' | 'drift' | 'json';

export interface StepInput {
  /** `producer.output` */
  from: string;
  type: PortType;
}

export interface StepContext {
  /** the tracked run this pipeline execution belongs to */
  runId: string;
  log(message: string): void;
}

export interface Step {
  name: string;
  /** one line saying what the step does, printed as it starts */
  title: string;
  inputs: Record<string, StepInput>;
  outputs: Record<string, PortType>;
  run(inputs: Record<string, unknown>, ctx: StepContext): Promise<Record<string, unknown>>;
}

export interface Pipeline {
  name: string;
  steps: Step[];
}

/**
 * @example
 * const load = step({ name: 'load', title: 'read the CSV', inputs: {}, outputs: { table: 'table' }, run: async () => ({ table }) });
 */
export function step(s: Step): Step {
  return s;
}
