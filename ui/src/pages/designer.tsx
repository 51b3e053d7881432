import { useEffect, useMemo, useState, type DragEvent } from 'react';
import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type Edge,
  type FinalConnectionState,
  type Node,
  type NodeChange,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { parse, stringify } from 'yaml';
import { call, callText, hasRole, query, type Page, type PipelineRunSummary, type Principal } from '../api.ts';
import { layout } from '../parts/dag-layout.ts';
import {
  addStep,
  connect,
  EMPTY_SPEC,
  freshName,
  portType,
  readDesign,
  refusal,
  removeStep,
  setInput,
  setName,
  textOfValue,
  valueOfText,
  type ComponentPorts,
  type Design,
  type DesignStep,
  type Link,
} from '../designer/spec-doc.ts';
import { when } from '../parts/format.ts';

const DRAG_TYPE = 'application/x-capstan-component';
/** how long the file rests before it is linted */
const LINT_AFTER_MS = 300;

interface Problem {
  step: string | null;
  field: string | null;
  message: string;
}
type StepData = { step: DesignStep; inputs: [string, string][]; outputs: [string, string][]; problems: string[] };
type StepNode = Node<StepData, 'step'>;

/** A step on the canvas: an input port on the left and an output port on the right of each row, typed. */
function StepBox({ data, selected }: NodeProps<StepNode>) {
  const rows = Math.max(data.inputs.length, data.outputs.length);
  return (
    <div className={`design-step${selected ? ' selected' : ''}${data.problems.length ? ' has-problems' : ''}`}>
      <div className="design-step-head">
        <strong>{data.step.name}</strong> <span className="muted">{data.step.component ?? data.step.command?.join(' ')}</span>
      </div>
      {Array.from({ length: rows }, (_, i) => {
        const input = data.inputs[i];
        const output = data.outputs[i];
        return (
          <div className="port-row" key={i}>
            <span className="port in">
              {input && (
                <>
                  <Handle type="target" position={Position.Left} id={input[0]} className={`port-${input[1]}`} />
                  {input[0]} <span className="muted">{input[1]}</span>
                </>
              )}
            </span>
            <span className="port out">
              {output && (
                <>
                  {output[0]} <span className="muted">{output[1]}</span>
                  <Handle type="source" position={Position.Right} id={output[0]} className={`port-${output[1]}`} />
                </>
              )}
            </span>
          </div>
        );
      })}
      {data.problems.map((p) => (
        <div className="error small" key={p}>
          {p}
        </div>
      ))}
    </div>
  );
}
const nodeTypes = { step: StepBox };

/** The link a finished drag describes, whichever end the user started from. */
function linkOf(c: { source: string; sourceHandle?: string | null; target: string; targetHandle?: string | null }): Link | null {
  if (!c.sourceHandle || !c.targetHandle) return null;
  return { source: c.source, output: c.sourceHandle, target: c.target, input: c.targetHandle };
}

function Designer({ me, path }: { me: Principal; path: string[] }) {
  const flow = useReactFlow();
  const [components, setComponents] = useState<Map<string, ComponentPorts>>(new Map());
  const [text, setText] = useState(EMPTY_SPEC);
  const [design, setDesign] = useState<Design>(readDesign(EMPTY_SPEC));
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }>>(new Map());
  const [selected, setSelected] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [runs, setRuns] = useState<PipelineRunSummary[]>([]);

  useEffect(() => {
    call<{ items: ComponentPorts[] }>('GET', '/api/v1/pipelines/components').then(
      (r) => setComponents(new Map(r.items.map((c) => [c.name, c]))),
      (e: Error) => setNotice(e.message),
    );
    call<Page<PipelineRunSummary>>('GET', `/api/v1/pipelines/runs${query({ limit: 50 })}`).then((p) => setRuns(p.items), () => undefined);
    // #/designer/run/ID opens that run's spec
    if (path[0] === 'run' && path[1]) openRun(path[1]);
  }, []);

  /** the text changed: the canvas follows when it parses, and the linter has a look once typing rests */
  useEffect(() => {
    const d = readDesign(text);
    if (d.errors.length) {
      setProblems(d.errors.map((message) => ({ step: null, field: null, message: `YAML: ${message}` })));
      return;
    }
    setDesign(d);
    if (d.steps.length === 0) {
      setProblems([{ step: null, field: null, message: 'no steps yet: drag a component onto the canvas' }]);
      return;
    }
    const timer = setTimeout(() => {
      call<{ problems: Problem[] }>('POST', '/api/v1/pipelines/lint', { spec: parse(text) }).then(
        (r) => setProblems(r.problems),
        (e: Error) => setProblems([{ step: null, field: null, message: e.message }]),
      );
    }, LINT_AFTER_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const change = (edit: () => string) => {
    try {
      setText(edit());
      setNotice(null);
    } catch (e) {
      setNotice((e as Error).message);
    }
  };
  const open = (t: string, from: string) => {
    setText(t);
    setPositions(new Map());
    setSelected(null);
    setNotice(`opened ${from}`);
    // once the steps are drawn (and measured), show them all, never larger than life
    setTimeout(() => void flow.fitView({ maxZoom: 1, padding: 0.1 }), 100);
  };
  function openRun(runId: string) {
    callText(`/api/v1/runs/${encodeURIComponent(runId)}/artifacts/pipeline.json`, 2_000_000).then(
      (json) => (json === null ? setNotice('that run has no spec') : open(stringify(JSON.parse(json), { lineWidth: 0 }), `the spec of run ${runId}`)),
      (e: Error) => setNotice(e.message),
    );
  }

  const { nodes, edges } = useMemo(() => {
    const auto = layout(
      design.steps.map((s) => ({ name: s.name, after: [...design.links, ...design.waits].filter((l) => l.target === s.name).map((l) => l.source) })),
      { x: 300, y: 190 },
    );
    const nodes: StepNode[] = design.steps.map((s) => {
      const c = s.component ? components.get(s.component) : undefined;
      const inputs: [string, string][] = c ? Object.entries(c.inputs).map(([k, p]) => [k, p.type]) : Object.keys(s.inputs).map((k) => [k, 'any']);
      const outputs: [string, string][] = c ? Object.entries(c.outputs).map(([k, p]) => [k, p.type]) : Object.entries(s.outputs);
      return {
        id: s.name,
        type: 'step',
        // moved by its title only: a press that misses a port never drags the step away
        dragHandle: '.design-step-head',
        position: positions.get(s.name) ?? auto.get(s.name)!,
        selected: s.name === selected,
        data: { step: s, inputs, outputs, problems: problems.filter((p) => p.step === s.name).map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)) },
      };
    });
    const edges: Edge[] = [
      ...design.links.map((l) => ({ id: `${l.source}.${l.output}->${l.target}.${l.input}`, source: l.source, sourceHandle: l.output, target: l.target, targetHandle: l.input })),
      ...design.waits.map((w) => ({ id: `${w.source}~>${w.target}`, source: w.source, target: w.target, className: 'wait', deletable: false, selectable: false })),
    ];
    return { nodes, edges };
  }, [design, components, positions, selected, problems]);

  const onNodesChange = (changes: NodeChange<StepNode>[]) => {
    for (const c of changes) {
      if (c.type === 'position' && c.position) {
        const at = c.position;
        setPositions((m) => new Map(m).set(c.id, at));
      } else if (c.type === 'select') setSelected((s) => (c.selected ? c.id : s === c.id ? null : s));
    }
  };
  const isValidConnection = (c: Connection | Edge) => {
    const link = linkOf(c);
    return link !== null && refusal(design, components, link) === null;
  };
  const onConnectEnd = (_: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (!state.toHandle || state.isValid !== false || !state.fromHandle) return;
    const [from, to] = state.fromHandle.type === 'source' ? [state.fromHandle, state.toHandle] : [state.toHandle, state.fromHandle];
    const link = linkOf({ source: from.nodeId, sourceHandle: from.id, target: to.nodeId, targetHandle: to.id });
    if (link) setNotice(`refused: ${refusal(design, components, link) ?? 'connect an output to an input'}`);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const component = e.dataTransfer.getData(DRAG_TYPE);
    if (!component) return;
    const name = freshName(text, component);
    const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    change(() => addStep(text, component, name));
    setPositions((m) => new Map(m).set(name, at));
    setSelected(name);
  };
  const add = (component: string) => {
    const name = freshName(text, component);
    change(() => addStep(text, component, name));
    setSelected(name);
  };
  const save = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${design.name || 'pipeline'}.yaml`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const run = () => {
    call<{ runId: string }>('POST', '/api/v1/pipelines/runs', { spec: parse(text) }).then(
      (r) => (location.hash = `#/pipelines/${encodeURIComponent(r.runId)}`),
      (e: Error) => setNotice(e.message),
    );
  };

  const step = design.steps.find((s) => s.name === selected);
  const stepComponent = step?.component ? components.get(step.component) : undefined;
  const general = problems.filter((p) => p.step === null || !design.steps.some((s) => s.name === p.step));
  return (
    <section className="designer">
      <div className="toolbar">
        <label>
          Pipeline <input aria-label="pipeline name" key={design.name} defaultValue={design.name} onBlur={(e) => e.target.value !== design.name && change(() => setName(text, e.target.value))} />
        </label>
        <button type="button" onClick={() => open(EMPTY_SPEC, 'a new pipeline')}>
          New
        </button>
        <label className="button">
          Open file
          <input
            type="file"
            accept=".yaml,.yml,.json"
            aria-label="open a pipeline file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void file.text().then((t) => open(t, file.name));
              e.target.value = '';
            }}
          />
        </label>
        <select aria-label="open a pipeline run's spec" value="" onChange={(e) => e.target.value && openRun(e.target.value)}>
          <option value="">Open a run's spec...</option>
          {runs.map((r) => (
            <option key={r.runId} value={r.runId}>
              {r.pipeline} ({r.status}, {when(r.startedAt)})
            </option>
          ))}
        </select>
        <button type="button" onClick={save}>
          Save
        </button>
        {hasRole(me, 'admin') && (
          <button type="button" onClick={run} disabled={problems.length > 0 || design.steps.length === 0}>
            Run
          </button>
        )}
        {notice && <span className="notice">{notice}</span>}
      </div>
      <div className="designer-body">
        <ul className="palette" aria-label="components">
          {[...components.values()].map((c) => (
            <li key={c.name} draggable onDragStart={(e) => e.dataTransfer.setData(DRAG_TYPE, c.name)} title={c.description}>
              <span>{c.name}</span>
              <button type="button" aria-label={`add ${c.name}`} onClick={() => add(c.name)}>
                +
              </button>
            </li>
          ))}
        </ul>
        <div className="canvas" aria-label="pipeline canvas" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onNodesDelete={(gone) => change(() => gone.reduce((t, n) => removeStep(t, n.id), text))}
            onEdgesDelete={(gone) => change(() => gone.reduce((t, e) => (e.targetHandle ? setInput(t, e.target, e.targetHandle, undefined) : t), text))}
            onConnect={(c) => {
              const link = linkOf(c);
              if (link) change(() => connect(text, link));
            }}
            isValidConnection={isValidConnection}
            onConnectEnd={onConnectEnd}
            onPaneClick={() => setSelected(null)}
            deleteKeyCode="Delete"
            defaultViewport={{ x: 20, y: 20, zoom: 1 }}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls />
          </ReactFlow>
        </div>
        <aside className="side">
          {step ? (
            <StepPanel
              key={`${step.name}:${text}`}
              step={step}
              component={stepComponent}
              design={design}
              onInput={(input, v) => change(() => setInput(text, step.name, input, valueOfText(v, portType(step, components, 'inputs', input))))}
              onUnlink={(input) => change(() => setInput(text, step.name, input, undefined))}
              onRemove={() => {
                change(() => removeStep(text, step.name));
                setSelected(null);
              }}
            />
          ) : (
            <p className="muted">Drag components from the list onto the canvas, connect an output to an input of the same type, and click a step to set its inputs.</p>
          )}
        </aside>
      </div>
      <div className="problems" aria-label="problems">
        {problems.length === 0 ? (
          <p className="ok">No problems: the pipeline compiles.</p>
        ) : (
          <ul>
            {problems.map((p, i) => (
              <li key={i} className="error">
                {[p.step, p.field].filter(Boolean).join('.') || 'pipeline'}: {p.message}
              </li>
            ))}
          </ul>
        )}
        {general.length > 0 && <p className="muted">{general.length} not tied to a step on the canvas</p>}
      </div>
      <label className="yaml">
        Pipeline file (YAML)
        <textarea aria-label="pipeline YAML" spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} rows={Math.min(40, text.split('\n').length + 1)} />
      </label>
    </section>
  );
}

/** The selected step's inputs: a field for each (its type and what it is for), or the output that feeds it. */
function StepPanel(props: {
  step: DesignStep;
  component: ComponentPorts | undefined;
  design: Design;
  onInput: (input: string, text: string) => void;
  onUnlink: (input: string) => void;
  onRemove: () => void;
}) {
  const { step, component, design } = props;
  const ports: [string, { type: string; description: string; default?: unknown; optional?: boolean }][] = component
    ? Object.entries(component.inputs)
    : Object.keys(step.inputs).map((k) => [k, { type: 'any', description: 'a command input' }]);
  return (
    <div className="step-panel">
      <h4>{step.name}</h4>
      <p className="muted">{component?.description ?? step.command?.join(' ')}</p>
      {ports.map(([name, port]) => {
        const link = design.links.find((l) => l.target === step.name && l.input === name);
        return (
          <div className="field" key={name}>
            <label title={port.description}>
              {name} <span className="muted">{port.type}</span>
              {link ? (
                <span className="linked">
                  {' '}
                  from {link.source}.{link.output}{' '}
                  <button type="button" onClick={() => props.onUnlink(name)}>
                    Unlink
                  </button>
                </span>
              ) : (
                <input
                  aria-label={`input ${name}`}
                  defaultValue={textOfValue(step.inputs[name])}
                  placeholder={port.default !== undefined ? `default ${textOfValue(port.default)}` : port.optional ? 'optional' : 'required'}
                  onBlur={(e) => e.target.value !== textOfValue(step.inputs[name]) && props.onInput(name, e.target.value)}
                  onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
                />
              )}
            </label>
          </div>
        );
      })}
      <button type="button" className="danger" onClick={props.onRemove}>
        Remove step
      </button>
    </div>
  );
}

/** The low-code designer: the canvas and the pipeline file are one document. */
export default function DesignerPage(props: { me: Principal; path: string[] }) {
  return (
    <ReactFlowProvider>
      <Designer {...props} />
    </ReactFlowProvider>
  );
}
