import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { MAX_COMPARED } from './compare-limit.ts';
import { call, formatDouble, query, type Experiment, type Page, type Principal, type Run } from '../api.ts';
import { when } from '../parts/format.ts';
import { useRowWindow } from '../parts/virtual-rows.tsx';

/** Runs per page: the server pages and sorts, and only the rows in view are drawn. */
const PAGE_SIZE = 200;

/**
 * An experiment's runs: filtered with the filter language of `capstan runs list`, sorted and paged by the server (a page at a
 * time, so 100 000 runs cost what 200 do; of a page, only the rows in view are drawn), with the params and metrics of the page
 * as columns.
 */
export default function RunsPage(_: { me: Principal; path: string[] }) {
  const [experiments, setExperiments] = useState<Experiment[]>([]);
  const [experimentId, setExperimentId] = useState<string>('');
  const [draft, setDraft] = useState('');
  const [filter, setFilter] = useState('');
  const [orderBy, setOrderBy] = useState<{ key: string; desc: boolean } | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<Page<Run> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [ms, setMs] = useState<number | null>(null);
  // runs ticked for comparison (kept across pages and filters)
  const [picked, setPicked] = useState<string[]>([]);

  useEffect(() => {
    call<Page<Experiment>>('GET', `/api/v1/experiments${query({ limit: 1000 })}`).then((p) => {
      setExperiments(p.items);
      if (p.items.length) setExperimentId((id) => id || p.items[p.items.length - 1].id);
    }, (e: Error) => setError(e.message));
  }, []);

  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    if (!experimentId) return;
    const t0 = performance.now();
    setError(null);
    call<Page<Run>>('GET', `/api/v1/runs${query({ experimentId: [experimentId], filter, orderBy: orderBy ? [`${orderBy.key} ${orderBy.desc ? 'DESC' : 'ASC'}`] : undefined, limit: PAGE_SIZE, cursor })}`).then(
      (p) => {
        setPage(p);
        setMs(performance.now() - t0);
      },
      (e: Error) => {
        setPage(null);
        setError(e.message);
      },
    );
  }, [experimentId, filter, orderBy, cursor]);

  const columns = useMemo(() => {
    const params = new Set<string>();
    const metrics = new Set<string>();
    for (const r of page?.items ?? []) {
      Object.keys(r.params).forEach((k) => params.add(k));
      Object.keys(r.metrics).forEach((k) => metrics.add(k));
    }
    return { params: [...params].sort().slice(0, 6), metrics: [...metrics].sort().slice(0, 8) };
  }, [page]);

  const restart = () => setCursors([null]);
  const sortBy = (key: string) => {
    setOrderBy((o) => (o?.key === key ? { key, desc: !o.desc } : { key, desc: true }));
    restart();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilter(draft.trim());
    restart();
  };
  const rows = page?.items ?? [];
  const win = useRowWindow(rows.length, 5 + columns.params.length + columns.metrics.length);
  const arrow = (key: string) => (orderBy?.key === key ? (orderBy.desc ? ' \u25bc' : ' \u25b2') : '');

  return (
    <section>
      <div className="toolbar">
        <label>
          Experiment{' '}
          <select
            name="experiment"
            value={experimentId}
            onChange={(e) => {
              setExperimentId(e.target.value);
              restart();
            }}
          >
            {experiments.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
        <form onSubmit={submit} className="filter">
          <input name="filter" placeholder="metrics.roc_auc > 0.8 and params.learner = 'gbdt'" value={draft} onChange={(e) => setDraft(e.target.value)} />
          <button type="submit">Filter</button>
        </form>
        <a className={`button${picked.length < 2 ? ' disabled' : ''}`} href={picked.length >= 2 ? `#/compare/${picked.join(',')}` : undefined} aria-disabled={picked.length < 2}>
          Compare {picked.length} runs
        </a>
        {ms !== null && <span className="muted">{page?.items.length ?? 0} runs on this page, {ms.toFixed(0)} ms</span>}
      </div>
      {error && <p className="error">{error}</p>}
      <div className="table-wrap" ref={win.ref}>
        <table className="runs virtual">
          <thead>
            <tr>
              <th />
              <th>Run</th>
              <th>Status</th>
              <th>
                <button type="button" className="sort" onClick={() => sortBy('attributes.start_time')}>
                  Started{arrow('attributes.start_time')}
                </button>
              </th>
              <th>User</th>
              {columns.params.map((k) => (
                <th key={`p:${k}`} className="param">
                  {k}
                </th>
              ))}
              {columns.metrics.map((k) => (
                <th key={`m:${k}`} className="metric">
                  <button type="button" className="sort" onClick={() => sortBy(`metrics.${k}`)}>
                    {k}
                    {arrow(`metrics.${k}`)}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {win.before}
            {rows.slice(win.start, win.end).map((r) => (
              <tr key={r.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`compare ${r.name || r.id}`}
                    checked={picked.includes(r.id)}
                    disabled={!picked.includes(r.id) && picked.length >= MAX_COMPARED}
                    onChange={(e) => setPicked((p) => (e.target.checked ? [...p, r.id] : p.filter((x) => x !== r.id)))}
                  />
                </td>
                <td title={r.id}>
                  <a href={`#/run/${r.id}`}>{r.name || r.id.slice(0, 8)}</a>
                </td>
                <td>{r.status}</td>
                <td>{when(r.startedAt, 'seconds')}</td>
                <td>{r.userId}</td>
                {columns.params.map((k) => (
                  <td key={`p:${k}`}>{r.params[k] ?? ''}</td>
                ))}
                {columns.metrics.map((k) => (
                  <td key={`m:${k}`} className="num">
                    {formatDouble(r.metrics[k])}
                  </td>
                ))}
              </tr>
            ))}
            {win.after}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Previous
        </button>
        <span className="muted">page {cursors.length}</span>
        <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors((c) => [...c, page.nextCursor])}>
          Next
        </button>
      </div>
    </section>
  );
}
