import { invalid } from '../core/errors.ts';
import type { Pipeline, Step } from './spec.ts';

export interface LintProblem {
  step: string;
  message: string;
}

/** Every problem in the graph, each naming its step; an empty list means the pipeline can run. */
export function lintPipeline(p: Pipeline): LintProblem[] {
  const problems: LintProblem[] = [];
  const byName = new Map<string, Step>();
  for (const s of p.steps) {
    if (!/^[a-z][a-z0-9-]*$/.test(s.name)) problems.push({ step: s.name, message: 'step names are lower-case letters, digits and dashes' });
    if (byName.has(s.name)) problems.push({ step: s.name, message: 'duplicate step name' });
    byName.set(s.name, s);
  }
  for (const s of p.steps) {
    for (const [input, spec] of Object.entries(s.inputs)) {
      const [producer, output, ...rest] = spec.from.split('.');
      const src = byName.get(producer);
      if (!src || output === undefined || rest.length > 0) {
        problems.push({ step: s.name, message: `input "${input}" comes from "${spec.from}", which is not a step output` });
        continue;
      }
      const type = src.outputs[output];
      if (type === undefined) problems.push({ step: s.name, message: `input "${input}": step "${producer}" has no output "${output}"` });
      else if (type !== spec.type) problems.push({ step: s.name, message: `input "${input}" expects ${spec.type} but "${spec.from}" is ${type}` });
    }
  }
  for (const cycle of findCycles(p.steps)) problems.push({ step: cycle[0], message: `cycle: ${cycle.join(' -> ')}` });
  return problems;
}

function findCycles(steps: Step[]): string[][] {
  const deps = new Map(steps.map((s) => [s.name, Object.values(s.inputs).map((i) => i.from.split('.')[0])]));
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (n: string) => {
    if (state.get(n) === 'done' || !deps.has(n)) return;
    if (state.get(n) === 'visiting') {
      cycles.push([...stack.slice(stack.indexOf(n)), n]);
      return;
    }
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of deps.get(n)!) visit(d);
    stack.pop();
    state.set(n, 'done');
  };
  for (const s of steps) visit(s.name);
  return cycles;
}

/** Throw one error listing every problem, or return the steps in an order where producers run first. */
export function planPipeline(p: Pipeline): Step[] {
  const problems = lintPipeline(p);
  if (problems.length > 0) throw invalid(`pipeline "${p.name}" is invalid: ${problems.map((x) => `step "${x.step}": ${x.message}`).join('; ')}`);
  const done = new Set<string>();
  const order: Step[] = [];
  while (order.length < p.steps.length) {
    // declaration order among ready steps keeps runs reproducible and logs readable
    const next = p.steps.find((s) => !done.has(s.name) && Object.values(s.inputs).every((i) => done.has(i.from.split('.')[0])))!;
    done.add(next.name);
    order.push(next);
  }
  return order;
}
