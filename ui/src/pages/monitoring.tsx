import { useCallback, useEffect, useState } from 'react';
import { call, hasRole, query, type Alert, type MonitorReport, type Principal, type RegisteredModel, type WindowReport } from '../api.ts';
import { Chart, type Series } from '../parts/chart.tsx';
import { Retraining } from '../parts/retraining.tsx';
import { when } from '../parts/format.ts';
import { TableHead } from '../parts/table-head.tsx';

const WINDOWS = ['1h', '6h', '1d'] as const;
/** features drawn over time: the most drifted (then most important) of the whole period */
const TOP_FEATURES = 6;


function fixed(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '' : v.toFixed(digits);
}

/** The features to draw: drifted ones first, then by importance, then by statistic (from the whole period's report). */
function topFeatures(total: WindowReport): string[] {
  return [...total.drift.features]
    .sort((a, b) => Number(b.drifted) - Number(a.drifted) || (b.importance ?? 0) - (a.importance ?? 0) || (b.statistic ?? 0) - (a.statistic ?? 0))
    .slice(0, TOP_FEATURES)
    .map((f) => f.name);
}

/**
 * A model's monitoring from every serving process: health per window (requests, errors, latency), data quality, drift per
 * feature over time beside its importance (drift vs. importance), prediction drift, accuracy from actuals; and its alerts,
 * which a member acknowledges here.
 */
export default function MonitoringPage({ me }: { me: Principal; path: string[] }) {
  const [models, setModels] = useState<RegisteredModel[]>([]);
  const [chosen, setChosen] = useState<string | null>(null);
  const [windowLength, setWindowLength] = useState<(typeof WINDOWS)[number]>('1h');
  const [report, setReport] = useState<MonitorReport | null>(null);
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call<{ items: RegisteredModel[] }>('GET', '/api/v1/models').then((r) => {
      setModels(r.items);
      if (r.items.length) setChosen((c) => c ?? r.items[0].name);
    }, (e: Error) => setError(e.message));
  }, []);
  const load = useCallback(() => {
    if (!chosen) return;
    setError(null);
    Promise.all([
      call<MonitorReport>('GET', `/api/v1/monitor/${encodeURIComponent(chosen)}${query({ window: windowLength })}`),
      call<{ items: Alert[] }>('GET', `/api/v1/alerts${query({ model: chosen })}`),
    ]).then(([r, a]) => {
      setReport(r);
      setAlerts(a.items);
    }, (e: Error) => setError(e.message));
  }, [chosen, windowLength]);
  useEffect(load, [load]);

  const acknowledge = (a: Alert) => {
    call('POST', `/api/v1/alerts/${encodeURIComponent(a.id)}/ack`).then(load, (e: Error) => setError(e.message));
  };

  const canAck = hasRole(me, 'member');
  const model = models.find((m) => m.name === chosen);
  return (
    <section className="monitoring">
      <div className="toolbar">
        <label>
          Model{' '}
          <select name="model" value={chosen ?? ''} onChange={(e) => setChosen(e.target.value)}>
            {models.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Window{' '}
          <select name="window" value={windowLength} onChange={(e) => setWindowLength(e.target.value as (typeof WINDOWS)[number])}>
            {WINDOWS.map((w) => (
              <option key={w}>{w}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={load}>
          Refresh
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      <h3>Alerts</h3>
      {alerts.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <table className="alerts">
          <TableHead columns={['Rule', 'Status', 'Value', 'Threshold', 'Fired', 'Acknowledged by', '']} />
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id} className={a.status}>
                <td>{a.rule}</td>
                <td>{a.status}</td>
                <td className="num">{fixed(a.value, 4)}</td>
                <td className="num">{fixed(a.threshold, 4)}</td>
                <td>{when(a.firedAt)}</td>
                <td>{a.acknowledgedBy ?? ''}</td>
                <td>
                  {canAck && a.status === 'firing' ? (
                    <button type="button" onClick={() => acknowledge(a)}>
                      Acknowledge
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report?.versions.length === 0 && <p className="muted">nothing served and counted in this period</p>}
      {report?.versions.map((v) => <VersionMonitoring key={v.version} version={v} />)}
      {model && <Retraining key={model.name} model={model} />}
    </section>
  );
}

function VersionMonitoring({ version: v }: { version: MonitorReport['versions'][number] }) {
  const windows = v.windows.filter((w) => w.health.requests > 0);
  const t = v.total;
  const features = topFeatures(t);
  const x = (w: WindowReport) => (w.start - (windows[0]?.start ?? 0)) / 3_600_000;
  const drift: Series[] = features.map((name) => ({
    name,
    points: windows.map((w) => [x(w), w.drift.features.find((f) => f.name === name)?.statistic ?? NaN] as [number, number]),
  }));
  const accuracy = Object.keys(t.accuracy.metrics);
  return (
    <div className="version">
      <h3>
        Version {v.version}: {t.health.requests} requests, {t.health.rows} rows, error rate {fixed(t.health.errorRate * 100, 2)}%, p99 {fixed(t.health.latencyMs.p99, 2)} ms
      </h3>
      <div className="charts">
        <Chart title="requests per window" xName="hours since the first window" series={[{ name: 'requests', points: windows.map((w) => [x(w), w.health.requests]) }, { name: 'errors', points: windows.map((w) => [x(w), w.health.errors]) }]} />
        <Chart title="latency (ms)" xName="hours since the first window" series={(['p50', 'p95', 'p99'] as const).map((p) => ({ name: p, points: windows.map((w) => [x(w), w.health.latencyMs[p] ?? NaN] as [number, number]) }))} />
        <Chart title="feature drift statistic over time" xName="hours since the first window" series={drift} />
        <Chart title="drift vs. importance (whole period)" categories={features} series={[{ name: 'drift statistic', points: features.map((f, i) => [i, t.drift.features.find((d) => d.name === f)?.statistic ?? NaN]) }, { name: 'importance', points: features.map((f, i) => [i, t.drift.features.find((d) => d.name === f)?.importance ?? NaN]) }]} />
        {accuracy.length > 0 && (
          <Chart title="accuracy from actuals" xName="hours since the first window" series={accuracy.map((m) => ({ name: m, points: windows.map((w) => [x(w), w.accuracy.metrics[m] ?? NaN] as [number, number]) }))} />
        )}
      </div>
      <h4>Drift (whole period): {t.drift.datasetDrift ? 'dataset drift' : 'no dataset drift'}, {fixed(t.drift.share * 100, 0)}% of features drifted</h4>
      <table className="drift">
        <TableHead columns={['Feature', 'Test', 'Statistic', 'Threshold', 'Drifted', 'Importance', 'Missing', 'Out of range', 'Unseen']} />
        <tbody>
          {t.drift.features.map((f) => {
            const q = t.quality.find((x) => x.name === f.name);
            return (
              <tr key={f.name} className={f.drifted ? 'drifted' : undefined}>
                <td>{f.name}</td>
                <td>{f.test ?? f.status}</td>
                <td className="num">{fixed(f.statistic, 4)}</td>
                <td className="num">{fixed(f.threshold, 4)}</td>
                <td>{f.drifted ? 'yes' : 'no'}</td>
                <td className="num">{fixed(f.importance, 4)}</td>
                <td className="num">{q ? fixed(q.missing, 0) : ''}</td>
                <td className="num">{q ? fixed(q.outOfRange, 0) : ''}</td>
                <td className="num">{q ? fixed(q.unseen, 0) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p>
        Prediction drift: {t.predictionDrift ? `${t.predictionDrift.test ?? t.predictionDrift.status} ${fixed(t.predictionDrift.statistic, 4)} (${t.predictionDrift.drifted ? 'drifted' : 'stable'})` : 'not measured'}. Actuals: {t.accuracy.labelled} labelled, {t.accuracy.pending} pending
        {t.accuracy.change ? `; ${t.accuracy.change.metric} ${fixed(t.accuracy.change.now, 4)} against ${fixed(t.accuracy.change.training, 4)} in training` : ''}.
      </p>
    </div>
  );
}
