import { useEffect, useMemo, useState } from 'react';
import { Background, Controls, Position, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { layout } from '../parts/dag-layout.ts';
import { call, callText, query, type Page, type PipelineRun, type PipelineRunSummary, type Principal } from '../api.ts';
import { when } from '../parts/format.ts';
import { PickList } from '../parts/pick-list.tsx';
import { TableHead } from '../parts/table-head.tsx';

/** how often a run under way is asked for again */
const POLL_MS = 1_000;


/**
 * Pipeline runs, newest first; the chosen run's DAG with each step's status, time, cache hit and attempts, asked for again
 * every second while the run is under way; a step's log opens when its node is clicked.
 */
export default function PipelinesPage({ path }: { me: Principal; path: string[] }) {
  const [runs, setRuns] = useState<PipelineRunSummary[]>([]);
  const [chosen, setChosen] = useState<string | null>(path[0] ?? null);
  const [run, setRun] = useState<PipelineRun | null>(null);
  const [log, setLog] = useState<{ step: string; text: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call<Page<PipelineRunSummary>>('GET', `/api/v1/pipelines/runs${query({ limit: 100 })}`).then((p) => {
      setRuns(p.items);
      if (p.items.length) setChosen((c) => c ?? p.items[0].runId);
    }, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    if (!chosen) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;
    const poll = () =>
      call<PipelineRun>('GET', `/api/v1/pipelines/runs/${encodeURIComponent(chosen)}`).then(
        (r) => {
          if (stopped) return;
          setRun(r);
          if (r.status === 'RUNNING') timer = setTimeout(poll, POLL_MS);
        },
        (e: Error) => setError(e.message),
      );
    setLog(null);
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [chosen]);

  const { nodes, edges } = useMemo(() => {
    if (!run) return { nodes: [] as Node[], edges: [] as Edge[] };
    const at = layout(run.steps.map((s) => ({ name: s.step, after: s.after })));
    const nodes: Node[] = run.steps.map((s) => ({
      id: s.step,
      position: at.get(s.step)!,
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      className: `step ${s.status.toLowerCase().replace(' ', '-')}`,
      data: {
        label: (
          <div>
            <strong>{s.step}</strong>
            <div className="muted">
              {s.status}
              {s.seconds !== null ? ` · ${s.seconds.toFixed(2)} s` : ''}
            </div>
            <div className="muted">
              cache {s.cache}
              {s.attempts > 1 ? ` · ${s.attempts} attempts` : ''}
            </div>
          </div>
        ),
      },
    }));
    const names = new Set(run.steps.map((s) => s.step));
    const edges: Edge[] = run.steps.flatMap((s) => s.after.filter((a) => names.has(a)).map((a) => ({ id: `${a}->${s.step}`, source: a, target: s.step, animated: s.status === 'RUNNING' })));
    return { nodes, edges };
  }, [run]);

  const openLog = (step: string) => {
    if (!run) return;
    callText(`/api/v1/pipelines/runs/${encodeURIComponent(run.runId)}/steps/${encodeURIComponent(step)}/log`, 200_000).then(
      (text) => setLog({ step, text: text ?? '(not text)' }),
      (e: Error) => setLog({ step, text: e.message }),
    );
  };

  return (
    <section className="pipelines">
      <PickList
        items={runs}
        keyOf={(r) => r.runId}
        chosen={chosen}
        onPick={setChosen}
        label={(r) => (
          <>
            {r.pipeline} <span className="muted">{r.status}</span>
            <br />
            <span className="muted">{when(r.startedAt, 'seconds')}</span>
          </>
        )}
      />
      <div className="pipeline">
        {error && <p className="error">{error}</p>}
        {run && (
          <>
            <h3>
              {run.pipeline}: {run.status}
              {run.endedAt !== null ? ` in ${((run.endedAt - run.startedAt) / 1000).toFixed(1)} s` : ''}
            </h3>
            <div className="dag" aria-label="pipeline graph">
              <ReactFlow nodes={nodes} edges={edges} onNodeClick={(_, n) => openLog(n.id)} nodesDraggable={false} nodesConnectable={false} fitView proOptions={{ hideAttribution: true }}>
                <Background />
                <Controls showInteractive={false} />
              </ReactFlow>
            </div>
            <table className="steps">
              <TableHead columns={['Step', 'Status', 'Time', 'Cache', 'Attempts', 'Error', '']} />
              <tbody>
                {run.steps.map((s) => (
                  <tr key={s.step}>
                    <td>{s.step}</td>
                    <td>{s.status}</td>
                    <td className="num">{s.seconds !== null ? `${s.seconds.toFixed(2)} s` : ''}</td>
                    <td>{s.cache}</td>
                    <td className="num">{s.attempts}</td>
                    <td className="error">{s.error ?? ''}</td>
                    <td>
                      <button type="button" onClick={() => openLog(s.step)}>
                        Log
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {log && (
              <div className="preview">
                <h4>log of {log.step}</h4>
                <pre className="log">{log.text || '(empty)'}</pre>
              </div>
            )}
          </>
        )}
      </div>
    </section>
  );
}
