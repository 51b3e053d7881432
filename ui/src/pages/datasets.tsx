import { useEffect, useState } from 'react';
import { call, type DatasetSummary, type DatasetValidation, type DatasetVersion, type Principal } from '../api.ts';
import type { FileProfile } from '../../../src/data/profile-types.ts';
import type { DataSchema } from '../../../src/data/schema-file.ts';
import { Chart } from '../parts/chart.tsx';
import { when } from '../parts/format.ts';
import { PickList } from '../parts/pick-list.tsx';
import { useRowWindow } from '../parts/virtual-rows.tsx';
import { TableHead } from '../parts/table-head.tsx';

const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Number(v.toFixed(4))));

/**
 * Registered datasets; a dataset's versions; a version's anomalies from its latest validation (and the drift per column against
 * the version it was checked against); its schema and profile with a histogram or bar chart per column.
 */
export default function DatasetsPage({ path }: { me: Principal; path: string[] }) {
  const [datasets, setDatasets] = useState<DatasetSummary[]>([]);
  const [name, setName] = useState<string | null>(path[0] ?? null);
  const [versions, setVersions] = useState<DatasetSummary[]>([]);
  const [version, setVersion] = useState<number | null>(path[1] ? Number(path[1]) : null);
  const [chosen, setChosen] = useState<DatasetVersion | null>(null);
  const [validations, setValidations] = useState<DatasetValidation[]>([]);
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
    const at = `/api/v1/datasets/${encodeURIComponent(name)}/versions/${version}`;
    Promise.all([call<DatasetVersion>('GET', at), call<{ items: DatasetValidation[] }>('GET', `${at}/validations`)]).then(([d, v]) => {
      setChosen(d);
      setValidations(v.items);
    }, (e: Error) => setError(e.message));
  }, [name, version]);

  const profile = (chosen?.profile as FileProfile | undefined)?.columns ?? [];
  const win = useRowWindow(profile.length, 11);
  const latest = validations[0];
  const flagged = new Map<string, string[]>();
  for (const a of latest?.anomalies ?? []) if (a.column !== null) flagged.set(a.column, [...(flagged.get(a.column) ?? []), a.kind]);
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
              <TableHead columns={['Version', 'Rows', 'Columns', 'Content hash', 'Source', 'Registered']} />
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
            {latest ? <Validation v={latest} count={validations.length} /> : <p className="muted">Not validated: registering a later version checks it against this one (capstan data register), as does a pipeline&apos;s validate step.</p>}
            <h3>
              {chosen.name} v{chosen.version}: schema and profile ({chosen.rows} rows)
            </h3>
            <div className="table-wrap" ref={win.ref}>
              <table className="profile virtual">
                <TableHead columns={['Column', 'Type', 'Nullable', 'Missing', 'Distinct', 'Mean', 'Std', 'Min', 'Max', 'Domain', 'Anomalies']} />
                <tbody>
                  {win.before}
                  {profile.slice(win.start, win.end).map((c) => {
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
                        <td className="flags">{(flagged.get(c.name) ?? []).join(', ')}</td>
                      </tr>
                    );
                  })}
                  {win.after}
                </tbody>
              </table>
            </div>
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

/** A version's latest check: against what, the counts, each anomaly, and the drift test per column when there was a baseline. */
function Validation({ v, count }: { v: DatasetValidation; count: number }) {
  const against = v.reference ? `${v.reference.name} v${v.reference.version}` : 'a schema file';
  const tested = v.drift?.features.filter((f) => f.test !== null) ?? [];
  return (
    <div className="validation">
      <h3>
        Anomalies: {v.errors} errors, {v.warnings} warnings
      </h3>
      <p className="muted">
        checked against {against} by {v.actor}, {when(v.createdAt)}
        {v.runId ? ' in a pipeline run' : ''}
        {count > 1 ? ` (the latest of ${count} checks)` : ''}
      </p>
      {v.anomalies.length > 0 && (
        <table className="anomalies">
          <TableHead columns={['Severity', 'Kind', 'Column', 'Message']} />
          <tbody>
            {v.anomalies.map((a, i) => (
              <tr key={i} className={`severity-${a.severity}`}>
                <td className="severity">{a.severity}</td>
                <td>{a.kind}</td>
                <td>{a.column ?? ''}</td>
                <td className="message">{a.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {v.drift && (
        <>
          <h4>
            Drift against {against}: {v.drift.datasetDrift ? 'the data set drifted' : 'no data set drift'} ({(v.drift.share * 100).toFixed(0)}% of tested columns)
          </h4>
          <table className="drift">
            <TableHead columns={['Column', 'Test', 'Statistic', 'Threshold', 'Drifted']} />
            <tbody>
              {tested.map((f) => (
                <tr key={f.name} className={f.drifted ? 'severity-warning' : ''}>
                  <td>{f.name}</td>
                  <td>{f.test}</td>
                  <td className="num">{num(f.statistic)}</td>
                  <td className="num">{num(f.threshold)}</td>
                  <td className="severity">{f.drifted ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
