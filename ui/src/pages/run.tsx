import { useEffect, useState } from 'react';
import { call, callText, formatDouble, metricHistories, num, type ArtifactEntry, type MetricPoint, type Principal, type Run, type RunDataset, type StepRecord } from '../api.ts';
import { Chart } from '../parts/chart.tsx';
import { when } from '../parts/format.ts';

const PREVIEWABLE = /\.(json|txt|csv|tsv|yaml|yml|md|log|py|ts|js|html|xml|onnx\.txt)$/i;


/** Two-column table of a record (params or tags), keys sorted; everything rendered as text. */
export function KeyValues({ title, values }: { title: string; values: Record<string, string> }) {
  const keys = Object.keys(values).sort();
  return (
    <>
      <h3>{title}</h3>
      {keys.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <table className={`kv ${title.toLowerCase()}`}>
          <tbody>
            {keys.map((k) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{values[k]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/**
 * One run: its params, tags and latest metrics, a chart per metric logged at more than one step, its artifacts (text ones
 * previewed), the dataset versions it used and its pipeline steps.
 */
export default function RunPage({ path }: { me: Principal; path: string[] }) {
  const id = path[0] ?? '';
  const [run, setRun] = useState<Run | null>(null);
  const [history, setHistory] = useState<Map<string, MetricPoint[]>>(new Map());
  const [artifacts, setArtifacts] = useState<ArtifactEntry[]>([]);
  const [datasets, setDatasets] = useState<RunDataset[]>([]);
  const [steps, setSteps] = useState<StepRecord[]>([]);
  const [preview, setPreview] = useState<{ path: string; text: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setError(null);
    (async () => {
      const r = await call<Run>('GET', `/api/v1/runs/${encodeURIComponent(id)}`);
      setRun(r);
      const [h, a, d, s] = await Promise.all([
        metricHistories(r),
        call<{ items: ArtifactEntry[] }>('GET', `/api/v1/runs/${r.id}/artifacts`),
        call<{ items: RunDataset[] }>('GET', `/api/v1/runs/${r.id}/datasets`),
        call<{ items: StepRecord[] }>('GET', `/api/v1/runs/${r.id}/steps`),
      ]);
      setHistory(h);
      setArtifacts(a.items);
      setDatasets(d.items);
      setSteps(s.items);
    })().catch((e: Error) => setError(e.message));
  }, [id]);

  const open = (a: ArtifactEntry) => {
    const url = `/api/v1/runs/${a.runId}/artifacts/${a.path.split('/').map(encodeURIComponent).join('/')}`;
    callText(url).then((text) => setPreview({ path: a.path, text }), (e: Error) => setError(e.message));
  };

  if (error) return <p className="error">{error}</p>;
  if (!run) return <p className="muted">Loading run...</p>;
  const charted = [...history].filter(([, points]) => points.length > 1);
  return (
    <section className="run">
      <p>
        <a href="#/runs">Runs</a> / <strong className="run-name">{run.name || run.id}</strong>
      </p>
      <p className="muted">
        {run.status} · started {when(run.startedAt, 'seconds')} · ended {when(run.endedAt, 'seconds')} · by {run.userId} · id {run.id}
      </p>
      <div className="columns">
        <div>
          <KeyValues title="Params" values={run.params} />
          <KeyValues title="Tags" values={run.tags} />
        </div>
        <div>
          <h3>Metrics</h3>
          <table className="kv metrics">
            <tbody>
              {Object.keys(run.metrics)
                .sort()
                .map((k) => (
                  <tr key={k}>
                    <th>{k}</th>
                    <td className="num">{formatDouble(run.metrics[k])}</td>
                    <td className="muted">step {run.metricTimes[k]?.step ?? 0}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </div>
      {charted.length > 0 && <h3>Metric history</h3>}
      <div className="charts">
        {charted.map(([key, points]) => (
          <Chart key={key} title={key} xName="step" series={[{ name: key, points: points.map((p) => [p.step, num(p.value)]) }]} />
        ))}
      </div>
      <h3>Artifacts</h3>
      {artifacts.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <table className="artifacts">
          <tbody>
            {artifacts.map((a) => (
              <tr key={a.path}>
                <td>{a.path}</td>
                <td className="num">{a.size} B</td>
                <td>{PREVIEWABLE.test(a.path) && a.size < 5_000_000 ? <button type="button" onClick={() => open(a)}>Preview</button> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {preview && (
        <div className="preview">
          <h4>{preview.path}</h4>
          {preview.text === null ? <p className="muted">not text</p> : <pre>{preview.text}</pre>}
        </div>
      )}
      <h3>Lineage: dataset versions</h3>
      {datasets.length === 0 ? (
        <p className="muted">none recorded</p>
      ) : (
        <ul>
          {datasets.map((d) => (
            <li key={`${d.id}:${d.role}`}>
              {d.role}: {d.name} v{d.version}
            </li>
          ))}
        </ul>
      )}
      {steps.length > 0 && (
        <>
          <h3>Pipeline steps</h3>
          <table className="steps">
            <tbody>
              {steps.map((s) => (
                <tr key={s.name}>
                  <td>{s.name}</td>
                  <td>{s.status}</td>
                  <td className="num">{s.endedAt !== null ? `${((s.endedAt - s.startedAt) / 1000).toFixed(1)} s` : ''}</td>
                  <td className="error">{s.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
