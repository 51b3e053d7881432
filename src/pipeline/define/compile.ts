import { invalid } from '../../core/errors.ts';
import { COMPONENTS, isFileRef, isModelRef, type Component } from '../components/index.ts';
import type { Locate } from './parse.ts';
import { bindingRefs, parseBinding, parseCondition, refText, type Binding, type Condition, type Ref } from './refs.ts';
import { portAccepts, type PipelineSpec, type PortType, type StepSpec } from './schema.ts';

export interface PlannedStep {
  spec: StepSpec;
  name: string;
  /** an exit handler: runs after the other steps, whatever happened */
  final: boolean;
  /** null for a command step */
  component: Component | null;
  inputs: Record<string, Binding>;
  outputs: Record<string, PortType>;
  when: Condition | null;
  forEach: Binding | null;
  /** the steps whose outputs it reads */
  deps: string[];
}

export interface CompiledPipeline {
  spec: PipelineSpec;
  /** the steps, producers before consumers (declaration order among independent steps) */
  steps: PlannedStep[];
  /** the exit handlers, in the same order */
  final: PlannedStep[];
}

export interface PipelineProblem {
  step: string | null;
  field: string | null;
  line: number | undefined;
  message: string;
}

/** Whether a value is one of a port type (files and models as the references steps pass). */
export function fitsType(v: unknown, t: PortType): boolean {
  switch (t) {
    case 'string':
    case 'boolean':
      return typeof v === t;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'list':
      return Array.isArray(v);
    case 'file':
      return isFileRef(v);
    case 'model':
      return isModelRef(v);
    case 'json':
      return true;
  }
}

/** What a literal in a spec can be given for: files and models only come from step outputs. */
function literalFits(v: unknown, t: PortType): boolean {
  return t !== 'file' && t !== 'model' && fitsType(v, t);
}

/**
 * Check a spec against the components and the graph, and order it. Every problem is reported at once, each with its step,
 * field and line: unknown components, producers, ports and parameters, type mismatches, `item` outside a forEach, cycles,
 * steps that depend on an exit handler.
 */
export function compilePipeline(spec: PipelineSpec, locate: Locate = () => undefined): { pipeline: CompiledPipeline | null; problems: PipelineProblem[] } {
  const problems: PipelineProblem[] = [];
  const planned = new Map<string, PlannedStep>();
  const all = [...spec.steps.map((s, i) => ({ s, i, final: false })), ...(spec.finally ?? []).map((s, i) => ({ s, i, final: true }))];
  const where = (final: boolean, i: number, ...rest: (string | number)[]) => locate([final ? 'finally' : 'steps', i, ...rest]);
  const stepLine = new Map(all.map(({ s, i, final }) => [s.name, where(final, i)]));

  for (const { s, i, final } of all) {
    const problem = (field: string | null, message: string, ...path: (string | number)[]) => problems.push({ step: s.name, field, line: where(final, i, ...path), message });
    if (planned.has(s.name)) problem('name', `step name "${s.name}" is used twice`, 'name');
    let component: Component | null = null;
    let outputs: Record<string, PortType> = {};
    if ((s.component === undefined) === (s.command === undefined)) problem(null, 'a step has either a component or a command');
    else if (s.component !== undefined) {
      component = COMPONENTS.get(s.component) ?? null;
      if (!component) problem('component', `component "${s.component}" is not one of ${[...COMPONENTS.keys()].join(', ')}`, 'component');
      else outputs = Object.fromEntries(Object.entries(component.outputs).map(([k, p]) => [k, p.type]));
      if (s.outputs) problem('outputs', 'outputs are declared by the component; only command steps declare theirs', 'outputs');
    } else outputs = { ...(s.outputs ?? {}) };
    const inputs: Record<string, Binding> = {};
    for (const [k, v] of Object.entries(s.inputs ?? {})) {
      try {
        inputs[k] = parseBinding(v, `inputs.${k}`);
      } catch (e) {
        problem(`inputs.${k}`, (e as Error).message, 'inputs', k);
      }
    }
    let when: Condition | null = null;
    if (s.when !== undefined) {
      try {
        when = parseCondition(s.when, 'when');
      } catch (e) {
        problem('when', (e as Error).message, 'when');
      }
    }
    let forEach: Binding | null = null;
    if (s.forEach !== undefined) {
      try {
        forEach = parseBinding(s.forEach, 'forEach');
        if (forEach.kind === 'template' || (forEach.kind === 'literal' && !Array.isArray(forEach.value))) problem('forEach', 'forEach must be a list or a reference to one', 'forEach');
      } catch (e) {
        problem('forEach', (e as Error).message, 'forEach');
      }
    }
    if (final && forEach) problem('forEach', 'an exit handler cannot loop', 'forEach');
    const refs = [...Object.values(inputs).flatMap(bindingRefs), ...(when ? [when.ref] : []), ...(forEach ? bindingRefs(forEach) : [])];
    const deps = [...new Set(refs.filter((r): r is Extract<Ref, { kind: 'output' }> => r.kind === 'output').map((r) => r.step))];
    planned.set(s.name, { spec: s, name: s.name, final, component, inputs, outputs, when, forEach, deps });
  }

  // references: producers, ports, parameters, types
  const typeOf = (r: Ref): PortType | null | undefined => {
    if (r.kind === 'item') return null;
    if (r.kind === 'param') return spec.params?.[r.name]?.type;
    const p = planned.get(r.step);
    const t = p?.outputs[r.port];
    return t === undefined ? undefined : p!.forEach ? 'list' : t;
  };
  for (const { s, i, final } of all) {
    const p = planned.get(s.name)!;
    if (p.spec !== s) continue;
    const problem = (field: string | null, message: string, ...path: (string | number)[]) => problems.push({ step: s.name, field, line: where(final, i, ...path), message });
    const checkRef = (r: Ref, field: string, path: (string | number)[]): PortType | null | undefined => {
      if (r.kind === 'item' && !p.forEach) problem(field, '${{ item }} is only defined in a forEach step', ...path);
      if (r.kind === 'param' && !spec.params?.[r.name]) problem(field, `parameter "${r.name}" is not declared under params`, ...path);
      if (r.kind === 'output') {
        const src = planned.get(r.step);
        if (!src) problem(field, `no step "${r.step}" (in ${refText(r)})`, ...path);
        else if (r.step === s.name) problem(field, 'a step cannot read its own outputs', ...path);
        else if (src.outputs[r.port] === undefined) problem(field, `step "${r.step}" has no output "${r.port}" (it has ${Object.keys(src.outputs).join(', ') || 'none'})`, ...path);
        else if (src.final && !final) problem(field, `reads exit handler "${r.step}", which runs after every other step: this step could never run`, ...path);
      }
      return typeOf(r);
    };
    const ports = p.component?.inputs;
    for (const [k, b] of Object.entries(p.inputs)) {
      const expected = ports ? ports[k]?.type : undefined;
      if (ports && !ports[k]) {
        problem(`inputs.${k}`, `${p.component!.name} has no input "${k}" (it has ${Object.keys(ports).join(', ')})`, 'inputs', k);
        continue;
      }
      if (b.kind === 'literal') {
        if (expected && !literalFits(b.value, expected)) problem(`inputs.${k}`, expected === 'file' || expected === 'model' ? `a ${expected} comes from a step output, not a literal` : `expects a ${expected}, got ${JSON.stringify(b.value)?.slice(0, 60)}`, 'inputs', k);
      } else if (b.kind === 'template') {
        for (const r of bindingRefs(b)) checkRef(r, `inputs.${k}`, ['inputs', k]);
        if (expected && expected !== 'string' && expected !== 'json') problem(`inputs.${k}`, `expects a ${expected}, but text with references is a string`, 'inputs', k);
      } else {
        const actual = checkRef(b.ref, `inputs.${k}`, ['inputs', k]);
        if (expected && actual !== undefined && !portAccepts(actual, expected)) problem(`inputs.${k}`, `expects a ${expected}, but ${refText(b.ref)} is a ${actual}`, 'inputs', k);
      }
    }
    if (ports) {
      for (const [k, port] of Object.entries(ports)) {
        if (!(k in p.inputs) && port.default === undefined && !port.optional) problem(`inputs.${k}`, `input "${k}" is required (${port.type}: ${port.description})`, 'inputs');
      }
    }
    if (p.when) checkRef(p.when.ref, 'when', ['when']);
    if (p.forEach?.kind === 'ref') {
      const t = checkRef(p.forEach.ref, 'forEach', ['forEach']);
      if (t !== undefined && t !== null && t !== 'list' && t !== 'json') problem('forEach', `forEach needs a list, but ${refText(p.forEach.ref)} is a ${t}`, 'forEach');
    }
  }

  // order, and cycles
  const order = (steps: PlannedStep[], done: Set<string>): PlannedStep[] => {
    const out: PlannedStep[] = [];
    const left = [...steps];
    while (left.length > 0) {
      // a dependency that cannot be met (an unknown step, an exit handler read by a main step) was reported above
      const k = left.findIndex((x) => x.deps.every((d) => done.has(d) || !planned.has(d) || (planned.get(d)!.final && !x.final)));
      if (k < 0) {
        for (const x of left) problems.push({ step: x.name, field: null, line: stepLine.get(x.name), message: `is in a cycle: it waits for ${x.deps.filter((d) => !done.has(d)).join(', ')}` });
        return out;
      }
      done.add(left[k].name);
      out.push(...left.splice(k, 1));
    }
    return out;
  };
  const done = new Set<string>();
  const steps = order([...planned.values()].filter((p) => !p.final), done);
  const final = order([...planned.values()].filter((p) => p.final), done);
  return { pipeline: problems.length === 0 ? { spec, steps, final } : null, problems };
}

/** The problems as one error (lint's output), or the compiled pipeline. */
export function compileOrThrow(spec: PipelineSpec, locate?: Locate, file = 'pipeline'): CompiledPipeline {
  const { pipeline, problems } = compilePipeline(spec, locate);
  if (pipeline) return pipeline;
  throw invalid(`${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${formatProblem(p, file)}`).join('\n')}`);
}

export function formatProblem(p: PipelineProblem, file = 'pipeline'): string {
  return `${file}${p.line ? `:${p.line}` : ''}: ${p.step ? `step "${p.step}"` : 'pipeline'}${p.field ? ` ${p.field}` : ''}: ${p.message}`;
}

/** The run's parameter values: given ones converted to their declared types, defaults for the rest; unknown or missing ones refused. */
export function resolveParams(spec: PipelineSpec, given: Record<string, string | unknown>): Record<string, unknown> {
  const declared = spec.params ?? {};
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(given)) if (!declared[k]) throw invalid(`parameter "${k}" is not declared (declared: ${Object.keys(declared).join(', ') || 'none'})`);
  for (const [k, p] of Object.entries(declared)) {
    let v = k in given ? given[k] : p.default;
    if (v === undefined) throw invalid(`parameter "${k}" is required (a ${p.type}${p.description ? `: ${p.description}` : ''}): give it with --param ${k}=...`);
    if (typeof v === 'string' && p.type !== 'string') {
      const text = v;
      if (p.type === 'number') v = Number(text);
      else if (p.type === 'boolean') v = text === 'true' ? true : text === 'false' ? false : text;
      else {
        try {
          v = JSON.parse(text);
        } catch {
          throw invalid(`parameter "${k}" must be ${p.type === 'list' ? 'a JSON list' : 'JSON'}, got ${text.slice(0, 60)}`);
        }
      }
    }
    if (!literalFits(v, p.type) || (p.type === 'number' && typeof v !== 'number')) throw invalid(`parameter "${k}" must be a ${p.type}, got ${JSON.stringify(v)?.slice(0, 60)}`);
    out[k] = v;
  }
  return out;
}
