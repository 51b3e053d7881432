import { isMap, isSeq, parseDocument, type Document, type ToStringOptions } from 'yaml';
import { portAccepts, type PortType } from '../../../src/api/port-types.ts';

/*
 * The designer's model is the pipeline file itself: every edit on the canvas parses the YAML text, changes the one node it
 * concerns through the `yaml` document API (comments, key order and scalar styles elsewhere stay as they were) and writes the
 * text again. Nothing else is kept, so the canvas and the file cannot disagree, and YAML -> canvas -> YAML is the same text.
 */

/** A component's ports as the API lists them (`GET /api/v1/pipelines/components`). */
export interface ComponentPorts {
  name: string;
  description: string;
  inputs: Record<string, { type: string; description: string; default?: unknown; optional?: boolean }>;
  outputs: Record<string, { type: string; description: string }>;
}

export interface DesignStep {
  name: string;
  /** `steps` or the exit handlers under `finally` */
  section: 'steps' | 'finally';
  component: string | null;
  /** a command step's program and arguments */
  command: string[] | null;
  inputs: Record<string, unknown>;
  /** a command step's declared outputs */
  outputs: Record<string, string>;
}

/** An input fed by another step's output: `inputs.INPUT: ${{ steps.SOURCE.outputs.OUTPUT }}` on step TARGET. */
export interface Link {
  source: string;
  output: string;
  target: string;
  input: string;
}

export interface Design {
  name: string;
  steps: DesignStep[];
  links: Link[];
  /** steps a step waits for other than through a linked input (a `when`, a reference inside a longer value) */
  waits: { source: string; target: string }[];
  /** the YAML parser's complaints (the canvas shows the last text that parsed) */
  errors: string[];
}

const LINK = /^\$\{\{\s*steps\.([a-z][a-z0-9-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;
const REFS = /steps\.([a-z][a-z0-9-]*)\.outputs/g;

export const EMPTY_SPEC = 'apiVersion: capstan.dev/v1\nkind: Pipeline\nname: my-pipeline\nsteps: []\n';

/**
 * How to write a document so that an unchanged one gives back its text: the two flow-collection paddings a file may use
 * (`[a, b]` or `[ a, b ]`), lines never folded.
 */
function writeOptions(doc: Document, text: string): ToStringOptions {
  const tight: ToStringOptions = { lineWidth: 0, flowCollectionPadding: false };
  return doc.toString(tight) === text ? tight : { lineWidth: 0 };
}

function plain(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The steps, links and waits a pipeline file describes. */
export function readDesign(text: string): Design {
  const doc = parseDocument(text);
  const errors = doc.errors.map((e) => e.message);
  const js = plain(errors.length ? {} : doc.toJS());
  const steps: DesignStep[] = [];
  /** each step's `when` and `forEach` as written: they make it wait without a port */
  const conditions: unknown[][] = [];
  for (const section of ['steps', 'finally'] as const) {
    const list = js[section];
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const s = plain(raw);
      steps.push({
        name: typeof s.name === 'string' ? s.name : '',
        section,
        component: typeof s.component === 'string' ? s.component : null,
        command: Array.isArray(s.command) ? s.command.map(String) : null,
        inputs: plain(s.inputs),
        outputs: Object.fromEntries(Object.entries(plain(s.outputs)).map(([k, v]) => [k, String(v)])),
      });
      conditions.push([s.when ?? null, s.forEach ?? null]);
    }
  }
  const links: Link[] = [];
  const waits: Design['waits'] = [];
  const known = new Set(steps.map((s) => s.name));
  for (const [i, s] of steps.entries()) {
    const linked = new Set<string>();
    for (const [input, v] of Object.entries(s.inputs)) {
      const m = typeof v === 'string' ? LINK.exec(v) : null;
      if (m && known.has(m[1])) {
        links.push({ source: m[1], output: m[2], target: s.name, input });
        linked.add(input);
      }
    }
    const rest = JSON.stringify([Object.entries(s.inputs).filter(([k]) => !linked.has(k)), conditions[i]]);
    for (const source of new Set([...rest.matchAll(REFS)].map((m) => m[1]))) {
      if (known.has(source) && source !== s.name && !links.some((l) => l.source === source && l.target === s.name)) waits.push({ source, target: s.name });
    }
  }
  return { name: typeof js.name === 'string' ? js.name : '', steps, links, waits, errors };
}

/** Parse, change, write: the one way an edit reaches the text. */
function edit(text: string, change: (doc: Document) => void): string {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`the YAML does not parse: ${doc.errors[0].message}`);
  const options = writeOptions(doc, text);
  change(doc);
  return doc.toString(options);
}

function stepPath(doc: Document, name: string): [string, number] {
  for (const section of ['steps', 'finally']) {
    const seq = doc.get(section);
    if (!isSeq(seq)) continue;
    const i = seq.items.findIndex((item) => isMap(item) && item.get('name') === name);
    if (i >= 0) return [section, i];
  }
  throw new Error(`no step "${name}"`);
}

/** A name not yet taken: the component's last part (`capstan/train` -> `train`, then `train-2`, ...). */
export function freshName(text: string, component: string): string {
  const taken = new Set(readDesign(text).steps.map((s) => s.name));
  const base = (component.split('/').pop() ?? 'step').toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^[^a-z]+/, '') || 'step';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** A step of a component appended to `steps`. */
export function addStep(text: string, component: string, name = freshName(text, component)): string {
  return edit(text.trim() ? text : EMPTY_SPEC, (doc) => {
    let seq = doc.get('steps');
    if (!isSeq(seq)) {
      doc.set('steps', doc.createNode([]));
      seq = doc.get('steps');
    }
    if (!isSeq(seq)) throw new Error('steps is not a list');
    if (seq.items.length === 0) seq.flow = false;
    seq.items.push(doc.createNode({ name, component }));
  });
}

/** A step taken out, with the inputs of other steps that read from it. */
export function removeStep(text: string, name: string): string {
  const readers = readDesign(text).links.filter((l) => l.source === name && l.target !== name);
  const unlinked = readers.reduce((t, l) => setInput(t, l.target, l.input, undefined), text);
  return edit(unlinked, (doc) => {
    const [section, i] = stepPath(doc, name);
    doc.deleteIn([section, i]);
  });
}

/** Set (or, with undefined, remove) one input of a step. */
export function setInput(text: string, step: string, input: string, value: unknown): string {
  return edit(text, (doc) => {
    const [section, i] = stepPath(doc, step);
    if (value === undefined) {
      doc.deleteIn([section, i, 'inputs', input]);
      const inputs = doc.getIn([section, i, 'inputs']);
      if (isMap(inputs) && inputs.items.length === 0) doc.deleteIn([section, i, 'inputs']);
    } else {
      if (!isMap(doc.getIn([section, i, 'inputs']))) doc.setIn([section, i, 'inputs'], doc.createNode({}));
      doc.setIn([section, i, 'inputs', input], value);
    }
  });
}

/** Feed a step's input from another step's output. */
export function connect(text: string, link: Link): string {
  return setInput(text, link.target, link.input, `\${{ steps.${link.source}.outputs.${link.output} }}`);
}

/** Set the pipeline's name. */
export function setName(text: string, name: string): string {
  return edit(text, (doc) => void doc.set('name', name));
}

/** The type of a step's output or input port (null: not declared: a command step's input, an unknown component). */
export function portType(step: DesignStep | undefined, components: Map<string, ComponentPorts>, side: 'inputs' | 'outputs', port: string): PortType | null {
  if (!step) return null;
  if (step.component) return (components.get(step.component)?.[side][port]?.type as PortType | undefined) ?? null;
  return side === 'outputs' ? ((step.outputs[port] as PortType | undefined) ?? null) : null;
}

/** Why a connection is refused, or null when the output may feed the input (the compiler's rule). */
export function refusal(design: Design, components: Map<string, ComponentPorts>, link: Link): string | null {
  if (link.source === link.target) return 'a step cannot read its own output';
  const from = design.steps.find((s) => s.name === link.source);
  const to = design.steps.find((s) => s.name === link.target);
  const actual = portType(from, components, 'outputs', link.output);
  const expected = portType(to, components, 'inputs', link.input);
  if (expected && !portAccepts(actual, expected)) return `${link.target}.${link.input} takes a ${expected}; ${link.source}.${link.output} is a ${actual}`;
  if (reaches(design, link.target, link.source)) return `${link.source} already waits for ${link.target}: the link would make a cycle`;
  return null;
}

/** Whether `to` waits, directly or not, for `from`. */
function reaches(design: Design, from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of [...design.links, ...design.waits]) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const at = stack.pop()!;
    if (at === to) return true;
    if (seen.has(at)) continue;
    seen.add(at);
    stack.push(...(next.get(at) ?? []));
  }
  return false;
}

/** What a user types into an input's field, as the value the port's type takes (left as text when it does not read as one). */
export function valueOfText(textValue: string, type: PortType | null): unknown {
  const t = textValue.trim();
  if (t === '') return undefined;
  if (t.startsWith('${{')) return t;
  if (type === 'number' && Number.isFinite(Number(t))) return Number(t);
  if (type === 'boolean' && (t === 'true' || t === 'false')) return t === 'true';
  if (type === 'json' || type === 'list' || type === null) {
    try {
      return JSON.parse(t);
    } catch {
      return textValue;
    }
  }
  return textValue;
}

/** An input's value as text in its field. */
export function textOfValue(v: unknown): string {
  return v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}
