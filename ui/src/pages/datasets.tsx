import { useEffect, useState } from 'react';
import { call, type DatasetSummary, type DatasetVersion, type Principal } from '../api.ts';
import type { FileProfile } from '../../../src/data/profile-types.ts';
import type { DataSchema } from '../../../src/data/schema-file.ts';
import { Chart } from '../parts/chart.tsx';
import { when } from '../parts/format.ts';
import { PickList } from '../parts/pick-list.tsx';

const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Number(v.toFixed(4))));

/** Registered datasets; a dataset's versions; a version's schema and its profile with a histogram or bar chart per column. */
export default function DatasetsPage({ path }: { me: Principal; path: string[] }) {
  const [datasets, setDatasets] = useState<DatasetSummary[]>([]);
  const [name, setName] = useState<string | null>(path[0] ?? null);
  const [versions, setVersions] = useState<DatasetSummary[]>([]);
  const [version, setVersion] = useState<number | null>(path[1] ? Number(path[1]) : null);
  const [chosen, setChosen] = useState<DatasetVersion | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call<{ items: DatasetSummary[] }>('GET', '/api/v1/datasets').then((r) => {
      setDatasets(r.items);
      if (r.items.length) setName((n) => n ?? r.items[0].name);
    }, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    if (!name) return;
    call<{ items: DatasetSummary[] }>('GET', `/api/v1/datasets/${encodeURIComponent(name)}`).then((r) => {
      setVersions(r.items);
      setVersion((v) => (v !== null && r.items.some((x) => x.version === v) ? v : (r.items[0]?.version ?? null)));
    }, (e: Error) => setError(e.message));
  }, [name]);
  useEffect(() => {
    if (!name || version === null) return;
    call<DatasetVersion>('GET', `/api/v1/datasets/${encodeURIComponent(name)}/versions/${version}`).then(setChosen, (e: Error) => setError(e.message));
  }, [name, version]);

  const profile = (chosen?.profile as FileProfile | undefined)?.columns ?? [];
  const schema = new Map(((chosen?.schema as DataSchema | undefined)?.columns ?? []).map((c) => [c.name, c]));
  return (
    <section className="pipelines">
      <PickList
        items={datasets}
        keyOf={(d) => d.name}
        chosen={name}
        onPick={(n) => {
          setName(n);
          setVersion(null);
        }}
        label={(d) => (
          <>
            {d.name} <span className="muted">v{d.version}</span>
          </>
        )}
      />
      <div className="pipeline">
        {error && <p className="error">{error}</p>}
        {datasets.length === 0 && !error && <p className="muted">No datasets yet: capstan data register FILE --name NAME (training registers its data too).</p>}
        {versions.length > 0 && (
          <>
            <h3>{name}: versions</h3>
            <table className="versions">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Rows</th>
                  <th>Columns</th>
                  <th>Content hash</th>
                  <th>Source</th>
                  <th>Registered</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version} className={v.version === version ? 'current' : ''}>
                    <td>
                      <button type="button" onClick={() => setVersion(v.version)}>
                        v{v.version}
                      </button>
                    </td>
                    <td className="num">{v.rows}</td>
                    <td className="num">{v.columns}</td>
                    <td className="hash">{v.contentHash.slice(0, 12)}</td>
                    <td>{v.source}</td>
                    <td>{when(v.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        {chosen && (
          <>
            <h3>
              {chosen.name} v{chosen.version}: schema and profile ({chosen.rows} rows)
            </h3>
            <table className="profile">
              <thead>
                <tr>
                  <th>Column</th>
                  <th>Type</th>
                  <th>Nullable</th>
                  <th>Missing</th>
                  <th>Distinct</th>
                  <th>Mean</th>
                  <th>Std</th>
                  <th>Min</th>
                  <th>Max</th>
                  <th>Domain</th>
                </tr>
              </thead>
              <tbody>
                {profile.map((c) => {
                  const s = schema.get(c.name);
                  return (
                    <tr key={c.name}>
                      <td>{c.name}</td>
                      <td>{s?.type ?? c.type}</td>
                      <td>{s ? (s.nullable ? 'yes' : 'no') : ''}</td>
                      <td className="num">
                        {c.missing} ({((c.missing / Math.max(1, chosen.rows)) * 100).toFixed(1)}%)
                      </td>
                      <td className="num">{c.distinct}</td>
                      <td className="num">{num(c.mean)}</td>
                      <td className="num">{num(c.std)}</td>
                      <td className="num">{num(c.min)}</td>
                      <td className="num">{num(c.max)}</td>
                      <td className="domain">{s?.categories ? s.categories.slice(0, 8).join(', ') + (s.categories.length > 8 ? `, ... (${s.categories.length})` : '') : s?.min !== undefined ? `${num(s.min)} to ${num(s.max)}` : ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div className="insights">
              <div className="charts">
                {profile.map((c) =>
                  c.type === 'boolean' && c.histogram && !c.top ? (
                    // a 0/1 column: its two end bins are its two values
                    <Chart key={c.name} title={`${c.name} (${c.type})`} categories={['false', 'true']} series={[{ name: 'rows', points: [[0, c.histogram.counts[0]], [1, c.histogram.counts.at(-1)!]] }]} />
                  ) : c.histogram && !c.top ? (
                    <Chart
                      key={c.name}
                      title={`${c.name} (${c.type})`}
                      categories={c.histogram.counts.map((_, i) => num(c.histogram!.edges[i]))}
                      series={[{ name: 'rows', points: c.histogram.counts.map((n, i) => [i, n]) }]}
                    />
                  ) : c.top && c.top.length ? (
                    <Chart key={c.name} title={`${c.name} (${c.type})`} categories={c.top.map((t) => t.value)} series={[{ name: 'rows', points: c.top.map((t, i) => [i, t.count]) }]} />
                  ) : null,
                )}
              </div>
            </div>
          </>
        )}
      </div>
    </section>
  );
}
