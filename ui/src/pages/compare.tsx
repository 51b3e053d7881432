import { useEffect, useState } from 'react';
import { call, formatDouble, metricHistories, num, type MetricPoint, type Principal, type Run } from '../api.ts';
import { Chart } from '../parts/chart.tsx';
import { MAX_COMPARED } from './compare-limit.ts';


function label(r: Run): string {
  return r.name || r.id.slice(0, 8);
}

/**
 * Runs side by side (ids in the address: #/compare/ID,ID,...): parameters with the rows that differ highlighted, the latest
 * metrics, and each metric's history overlaid, one line per run.
 */
export default function ComparePage({ path }: { me: Principal; path: string[] }) {
  const ids = (path[0] ?? '').split(',').filter(Boolean);
  const [runs, setRuns] = useState<Run[]>([]);
  const [histories, setHistories] = useState<Map<string, MetricPoint[]>[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (ids.length < 2 || ids.length > MAX_COMPARED) {
      setError(`choose between 2 and ${MAX_COMPARED} runs to compare (got ${ids.length})`);
      return;
    }
    setError(null);
    (async () => {
      const rs = await Promise.all(ids.map((id) => call<Run>('GET', `/api/v1/runs/${encodeURIComponent(id)}`)));
      setRuns(rs);
      setHistories(await Promise.all(rs.map(metricHistories)));
    })().catch((e: Error) => setError(e.message));
  }, [path[0]]);

  if (error) return <p className="error">{error}</p>;
  if (runs.length === 0) return <p className="muted">Loading runs...</p>;
  const params = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const differs = (k: string) => new Set(runs.map((r) => r.params[k] ?? '\u0000')).size > 1;
  return (
    <section className="compare">
      <p>
        <a href="#/runs">Runs</a> / comparing {runs.length} runs
      </p>
      <div className="table-wrap">
        <table className="compare-table">
          <thead>
            <tr>
              <th />
              {runs.map((r) => (
                <th key={r.id}>
                  <a href={`#/run/${r.id}`}>{label(r)}</a>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {params.map((k) => (
              <tr key={`p:${k}`} className={differs(k) ? 'differs' : undefined}>
                <th>{k}</th>
                {runs.map((r) => (
                  <td key={r.id}>{r.params[k] ?? ''}</td>
                ))}
              </tr>
            ))}
            {metrics.map((k) => (
              <tr key={`m:${k}`} className="metric">
                <th>{k}</th>
                {runs.map((r) => (
                  <td key={r.id} className="num">
                    {formatDouble(r.metrics[k])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="charts">
        {metrics.map((k) =>
          histories.every((h) => (h.get(k)?.length ?? 0) <= 1) ? (
            // one value per run: a bar per run
            <Chart key={k} title={k} categories={runs.map(label)} series={[{ name: k, points: runs.map((r, i) => [i, r.metrics[k] === undefined ? NaN : num(r.metrics[k])] as [number, number]) }]} />
          ) : (
            <Chart key={k} title={k} xName="step" series={runs.map((r, i) => ({ name: label(r), points: (histories[i]?.get(k) ?? []).map((p) => [p.step, num(p.value)] as [number, number]) }))} />
          ),
        )}
      </div>
    </section>
  );
}
