import type { Component, Ports, ValueOf } from '../components/component.ts';
import type { PipelineSpec, PortType, StepSpec } from './schema.ts';

/**
 * Pipelines in TypeScript: the same document as a pipeline file, with the compiler checking that every input gets a value of
 * its port's type (a number output cannot feed a file input). `toSpec()` gives the spec a YAML file would hold.
 * @example
 * const p = new PipelineBuilder('train-churn');
 * const data = p.param('data', 'string', 'telco.csv');
 * const load = p.step('load', load, { path: data });
 * const train = p.step('train', train, { data: load.outputs.data, target: 'churn' });
 * p.step('register', register, { model: train.outputs.model, name: 'churn' }, { when: gt(train.outputs.score, 0.75) });
 */

/** A reference to a value the pipeline will have: a parameter, a step output, or a forEach item. */
export interface Ref<T extends PortType> {
  readonly expr: string;
  readonly type: T;
}

type Accepts<T extends PortType> = T extends 'json' ? Ref<PortType> | unknown : Ref<T> | Ref<'json'> | ValueOf<T>;
type Required<I extends Ports> = { [K in keyof I]: I[K]['default'] extends undefined ? (I[K]['optional'] extends true ? never : K) : never }[keyof I];
/** A component's inputs as a step sets them: required ones must be given; each takes a literal or a reference of its type. */
export type StepInputs<I extends Ports> = { [K in Required<I>]: Accepts<I[K]['type']> } & { [K in Exclude<keyof I, Required<I>>]?: Accepts<I[K]['type']> };

export interface StepOptions {
  when?: string;
  retries?: number;
  retryDelaySeconds?: number;
  timeoutSeconds?: number;
  cache?: boolean;
}

export interface StepHandle<O extends Ports> {
  name: string;
  outputs: { [K in keyof O]: Ref<O[K]['type']> };
}
/** A forEach step's outputs are lists (one element per item). */
export interface ListHandle<O extends Ports> {
  name: string;
  outputs: { [K in keyof O]: Ref<'list'> };
}

const ref = <T extends PortType>(expr: string, type: T): Ref<T> => ({ expr: `\${{ ${expr} }}`, type });
const isRef = (v: unknown): v is Ref<PortType> => typeof v === 'object' && v !== null && typeof (v as Ref<PortType>).expr === 'string' && typeof (v as Ref<PortType>).type === 'string';
const strip = (r: Ref<PortType>) => r.expr.replace(/^\$\{\{ | \}\}$/g, '');

/** Conditions for `when`: `${{ REF }}`, `${{ !REF }}`, `${{ REF OP VALUE }}`. */
export const isTrue = (r: Ref<'boolean'>): string => r.expr;
export const isFalse = (r: Ref<'boolean'>): string => `\${{ !${strip(r)} }}`;
export const compare = (r: Ref<'number'> | Ref<'string'>, op: '==' | '!=' | '>' | '>=' | '<' | '<=', value: number | string | boolean): string =>
  `\${{ ${strip(r)} ${op} ${typeof value === 'string' ? `'${value}'` : String(value)} }}`;

function inputsOf(inputs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) if (v !== undefined) out[k] = isRef(v) ? v.expr : v;
  return out;
}

function options(o: StepOptions): Partial<StepSpec> {
  const out: Partial<StepSpec> = {};
  if (o.when !== undefined) out.when = o.when;
  if (o.retries !== undefined) out.retries = o.retries;
  if (o.retryDelaySeconds !== undefined) out.retryDelaySeconds = o.retryDelaySeconds;
  if (o.timeoutSeconds !== undefined) out.timeoutSeconds = o.timeoutSeconds;
  if (o.cache !== undefined) out.cache = o.cache;
  return out;
}

export class PipelineBuilder {
  private readonly spec: PipelineSpec;

  constructor(name: string, opts: { description?: string; cacheTtlSeconds?: number } = {}) {
    this.spec = { apiVersion: 'capstan.dev/v1', kind: 'Pipeline', name, ...(opts.description ? { description: opts.description } : {}), ...(opts.cacheTtlSeconds ? { cacheTtlSeconds: opts.cacheTtlSeconds } : {}), steps: [] };
  }

  param<T extends 'string' | 'number' | 'boolean' | 'json' | 'list'>(name: string, type: T, defaultValue?: ValueOf<T>, description?: string): Ref<T> {
    (this.spec.params ??= {})[name] = { type, ...(defaultValue !== undefined ? { default: defaultValue } : {}), ...(description ? { description } : {}) };
    return ref(`params.${name}`, type);
  }

  /** A component step. */
  step<I extends Ports, O extends Ports>(name: string, c: Component<I, O>, inputs: StepInputs<I>, opts: StepOptions = {}): StepHandle<O> {
    this.spec.steps.push({ name, component: c.name, inputs: inputsOf(inputs as Record<string, unknown>), ...options(opts) });
    return this.handle(name, c.outputs) as StepHandle<O>;
  }

  /** A component step run once per element of `list`; `inputs` gets the element as a reference. */
  forEach<I extends Ports, O extends Ports>(name: string, c: Component<I, O>, list: Ref<'list'> | unknown[], inputs: (item: Ref<'json'>) => StepInputs<I>, opts: StepOptions = {}): ListHandle<O> {
    this.spec.steps.push({ name, component: c.name, forEach: isRef(list) ? list.expr : list, inputs: inputsOf(inputs(ref('item', 'json')) as Record<string, unknown>), ...options(opts) });
    return { name, outputs: Object.fromEntries(Object.keys(c.outputs).map((k) => [k, ref(`steps.${name}.outputs.${k}`, 'list')])) } as ListHandle<O>;
  }

  /** A command step: any program, its inputs and outputs passed as files and a JSON manifest. */
  command<O extends Record<string, PortType>>(name: string, argv: string[], inputs: Record<string, unknown>, outputs: O, opts: StepOptions = {}): { name: string; outputs: { [K in keyof O]: Ref<O[K]> } } {
    this.spec.steps.push({ name, command: argv, inputs: inputsOf(inputs), outputs, ...options(opts) });
    return { name, outputs: Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, ref(`steps.${name}.outputs.${k}`, t)])) as { [K in keyof O]: Ref<O[K]> } };
  }

  /** An exit handler: runs after the other steps, whatever happened. */
  finally<I extends Ports, O extends Ports>(name: string, c: Component<I, O>, inputs: StepInputs<I>, opts: StepOptions = {}): StepHandle<O> {
    (this.spec.finally ??= []).push({ name, component: c.name, inputs: inputsOf(inputs as Record<string, unknown>), ...options(opts) });
    return this.handle(name, c.outputs) as StepHandle<O>;
  }

  private handle(name: string, outputs: Ports) {
    return { name, outputs: Object.fromEntries(Object.entries(outputs).map(([k, p]) => [k, ref(`steps.${name}.outputs.${k}`, p.type)])) };
  }

  /** The pipeline file's document. */
  toSpec(): PipelineSpec {
    return structuredClone(this.spec);
  }
}
