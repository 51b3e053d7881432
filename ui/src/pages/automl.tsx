import { useEffect, useState } from 'react';
import { call, callText, query, type Page, type Principal, type Run } from '../api.ts';
import { Chart, type Series } from '../parts/chart.tsx';
import { when } from '../parts/format.ts';
import { PickList } from '../parts/pick-list.tsx';
import { TableHead } from '../parts/table-head.tsx';

/** The run's leaderboard as `capstan automl --json` prints it (the run's automl.json artifact). */
interface Leaderboard {
  task: string;
  target: string;
  metric: string;
  winner: string;
  leaderboard: { id: number; learner: string; params: Record<string, unknown>; cv_mean: number | null; cv_std: number | null; fit_seconds: number; status: string; note?: string }[];
  ensemble: { members: { id: number; weight: number }[]; oof_score: number; best_single_oof_score: number; kept: boolean; note: string } | null;
}
/** The winner's insights (the run's insights.json artifact): what a task has, it carries. */
interface Insights {
  metric?: string;
  featureImpact?: { feature: string; drop: number; normalized: number }[];
  roc?: { fpr: number[]; tpr: number[] };
  pr?: { recall: number[]; precision: number[] };
  lift?: { bin: number; meanPredicted: number; meanActual: number; lift: number }[];
  confusion?: { classes: string[]; matrix: number[][] };
  calibration?: { meanPredicted: number; fractionPositive: number }[];
  residuals?: { rmse: number; mae: number; sample: { actual: number; predicted: number }[] };
  partialDependence?: { feature: string; points: { value: number | string; mean: number }[] }[];
  notes?: string[];
  // clustering
  silhouette?: { k: number; silhouette: number }[];
  clusters?: { cluster: number; rows: number; [feature: string]: unknown }[];
}

async function artifact<T>(runId: string, path: string): Promise<T | null> {
  const text = await callText(`/api/v1/runs/${encodeURIComponent(runId)}/artifacts/${path}`, 20_000_000).catch(() => null);
  return text === null ? null : (JSON.parse(text) as T);
}

const fmt = (v: number | null) => (v === null ? '' : v.toFixed(4));
const zip = (xs: number[], ys: number[]): [number, number][] => xs.map((x, i) => [x, ys[i]]);

/** AutoML runs, newest first; the chosen one's leaderboard and its winner's insights as charts. */
export default function AutomlPage({ path }: { me: Principal; path: string[] }) {
  const [runs, setRuns] = useState<Run[]>([]);
  const [chosen, setChosen] = useState<string | null>(path[0] ?? null);
  const [board, setBoard] = useState<Leaderboard | null>(null);
  const [insights, setInsights] = useState<Insights | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call<Page<Run>>('GET', `/api/v1/runs${query({ filter: "tags.capstan.kind = 'automl'", orderBy: ['start_time DESC'], limit: 100 })}`).then((p) => {
      setRuns(p.items);
      if (p.items.length) setChosen((c) => c ?? p.items[0].id);
    }, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    if (!chosen) return;
    setBoard(null);
    setInsights(null);
    artifact<Leaderboard>(chosen, 'automl.json').then(setBoard, (e: Error) => setError(e.message));
    artifact<Insights>(chosen, 'insights.json').then(setInsights, (e: Error) => setError(e.message));
  }, [chosen]);

  return (
    <section className="pipelines">
      <PickList
        items={runs}
        keyOf={(r) => r.id}
        chosen={chosen}
        onPick={setChosen}
        label={(r) => (
          <>
            {r.name || r.id} <span className="muted">{r.status}</span>
            <br />
            <span className="muted">{when(r.startedAt)}</span>
          </>
        )}
      />
      <div className="pipeline">
        {error && <p className="error">{error}</p>}
        {runs.length === 0 && !error && <p className="muted">No AutoML runs yet: capstan automl FILE --target COLUMN.</p>}
        {board && <Board board={board} />}
        {insights && <InsightCharts insights={insights} />}
      </div>
    </section>
  );
}

function Board({ board }: { board: Leaderboard }) {
  const kept = new Set(board.ensemble?.kept ? board.ensemble.members.map((m) => m.id) : []);
  const best = board.leaderboard.find((c) => c.status === 'complete');
  return (
    <>
      <h3>
        Leaderboard: {board.task} on {board.target}, {board.metric} (cross-validated); winner {board.winner}
      </h3>
      {board.ensemble && (
        <p className="muted">
          ensemble of {board.ensemble.members.length}: out-of-fold {board.ensemble.oof_score.toFixed(4)} vs best single {board.ensemble.best_single_oof_score.toFixed(4)};{' '}
          {board.ensemble.kept ? 'kept' : 'not kept'} ({board.ensemble.note})
        </p>
      )}
      <table className="leaderboard">
        <TableHead columns={['#', 'Learner', 'CV mean', 'CV std', 'Fit s', 'Status', 'Params']} />
        <tbody>
          {board.leaderboard.map((c) => (
            <tr key={c.id} className={c === best || kept.has(c.id) ? 'winner' : c.status !== 'complete' ? 'pruned' : ''}>
              <td className="num">{c.id}</td>
              <td>{c.learner}</td>
              <td className="num">{fmt(c.cv_mean)}</td>
              <td className="num">{fmt(c.cv_std)}</td>
              <td className="num">{c.fit_seconds.toFixed(2)}</td>
              <td>
                {c.status}
                {kept.has(c.id) ? ' (in the ensemble)' : ''}
                {c.note ? ` (${c.note})` : ''}
              </td>
              <td className="params">{JSON.stringify(c.params)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function InsightCharts({ insights: i }: { insights: Insights }) {
  const diagonal: Series = { name: 'chance', points: [[0, 0], [1, 1]], dashed: true };
  return (
    <div className="insights">
      <h3>Insights of the winner (out-of-fold predictions)</h3>
      {i.notes?.map((n) => (
        <p key={n} className="muted">
          {n}
        </p>
      ))}
      <div className="charts">
        {i.roc && <Chart title="ROC curve" xName="false positive rate" yName="true positive rate" series={[{ name: 'ROC', points: zip(i.roc.fpr, i.roc.tpr) }, diagonal]} />}
        {i.pr && <Chart title="Precision-recall curve" xName="recall" yName="precision" series={[{ name: 'PR', points: zip(i.pr.recall, i.pr.precision) }]} />}
        {i.lift && <Chart title="Lift chart (deciles of the prediction)" categories={i.lift.map((b) => String(b.bin))} series={[{ name: 'mean predicted', points: i.lift.map((b, k) => [k, b.meanPredicted]) }, { name: 'mean actual', points: i.lift.map((b, k) => [k, b.meanActual]) }]} />}
        {i.calibration && <Chart title="Calibration" xName="mean predicted" yName="fraction positive" series={[{ name: 'model', points: i.calibration.map((b) => [b.meanPredicted, b.fractionPositive]) }, diagonal]} />}
        {i.residuals && (
          <Chart
            title={`Predicted vs actual (RMSE ${i.residuals.rmse.toPrecision(4)}, MAE ${i.residuals.mae.toPrecision(4)})`}
            xName="actual"
            yName="predicted"
            series={[{ name: 'rows', points: i.residuals.sample.map((r) => [r.actual, r.predicted]), scatter: true }]}
          />
        )}
        {i.featureImpact && i.featureImpact.length > 0 && (
          <Chart title="Feature impact (permutation, normalised)" categories={i.featureImpact.slice(0, 15).map((f) => f.feature)} series={[{ name: 'impact', points: i.featureImpact.slice(0, 15).map((f, k) => [k, f.normalized]) }]} />
        )}
        {i.partialDependence?.map((pd) =>
          pd.points.every((p) => typeof p.value === 'number') ? (
            <Chart key={pd.feature} title={`Partial dependence: ${pd.feature}`} xName={pd.feature} series={[{ name: 'mean prediction', points: pd.points.map((p) => [p.value as number, p.mean]) }]} />
          ) : (
            <Chart key={pd.feature} title={`Partial dependence: ${pd.feature}`} categories={pd.points.map((p) => String(p.value))} series={[{ name: 'mean prediction', points: pd.points.map((p, k) => [k, p.mean]) }]} />
          ),
        )}
        {i.silhouette && <Chart title="Silhouette by number of clusters" xName="k" series={[{ name: 'silhouette', points: i.silhouette.map((s) => [s.k, s.silhouette]) }]} />}
      </div>
      {i.confusion && (
        <>
          <h4>Confusion matrix (rows: actual, columns: predicted)</h4>
          <table className="confusion">
            <thead>
              <tr>
                <th />
                {i.confusion.classes.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {i.confusion.matrix.map((row, r) => (
                <tr key={r}>
                  <th>{i.confusion!.classes[r]}</th>
                  {row.map((n, c) => (
                    <td key={c} className={r === c ? 'num diag' : 'num'}>
                      {n}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {i.clusters && (
        <>
          <h4>Cluster profiles</h4>
          <table className="kv">
            <thead>
              <tr>
                {Object.keys(i.clusters[0] ?? {}).map((k) => (
                  <th key={k}>{k}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {i.clusters.map((c, r) => (
                <tr key={r}>
                  {Object.keys(i.clusters![0]).map((k) => (
                    <td key={k}>{typeof c[k] === 'number' ? (c[k] as number).toPrecision(4) : JSON.stringify(c[k])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
