import { useEffect, useState } from 'react';
import { call, query, type Page, type PolicyRecord, type RegisteredModel, type Run } from '../api.ts';
import { when } from './format.ts';
import { TableHead } from './table-head.tsx';

/** What the last retraining left in the model's `retrained` tag (src/pipeline/retrain.ts). */
interface LastRetraining {
  at: number;
  runId: string;
  champion?: number;
  challenger: number;
  decision: string;
  comparison?: { metric: string; rows: number; champion: number; challenger: number; delta: number; interval: [number, number]; better: boolean; worse: boolean };
}
interface Canary {
  version: number;
  champion: number;
  startedAt: number;
  status: string;
}

function parsed<T>(text: string | undefined): T | null {
  try {
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}

/** A model's monitoring policy (alert rules, retraining), its retraining runs, the last challenger comparison and canary. */
export function Retraining({ model }: { model: RegisteredModel }) {
  const [policy, setPolicy] = useState<PolicyRecord | null>(null);
  const [runs, setRuns] = useState<Run[]>([]);
  useEffect(() => {
    call<{ items: PolicyRecord[] }>('GET', '/api/v1/policies').then((r) => setPolicy(r.items.find((p) => p.model === model.name) ?? null), () => setPolicy(null));
    const filter = `tags.capstan.retrain.policy LIKE '${model.name.replaceAll("'", "''")}@%'`;
    call<Page<Run>>('GET', `/api/v1/runs${query({ filter, orderBy: ['start_time DESC'], limit: 20 })}`).then((p) => setRuns(p.items), () => setRuns([]));
  }, [model.name]);
  const last = parsed<LastRetraining>(model.tags.retrained);
  const canary = parsed<Canary>(model.tags.canary);
  const c = last?.comparison;
  return (
    <div className="retraining">
      <h3>Policy and retraining</h3>
      {policy ? (
        <>
          <p>
            policy version {policy.version}, applied by {policy.createdBy} at {when(policy.createdAt)}
          </p>
          <pre className="log">{JSON.stringify(policy.spec, null, 2)}</pre>
        </>
      ) : (
        <p className="muted">no monitoring policy (capstan policy apply FILE)</p>
      )}
      {last && (
        <p className="last-retraining">
          Last retraining {when(last.at)}: challenger version {last.challenger}
          {last.champion !== undefined ? ` against champion ${last.champion}` : ''}
          {c ? ` on ${c.rows} fresh labelled rows: ${c.metric} ${c.challenger.toFixed(4)} vs ${c.champion.toFixed(4)} (${c.delta >= 0 ? '+' : ''}${c.delta.toFixed(4)}, 95% interval ${c.interval[0].toFixed(4)} to ${c.interval[1].toFixed(4)})` : ''}; decision: {last.decision}.
        </p>
      )}
      {canary && (
        <p className="canary">
          Canary: version {canary.version} beside champion {canary.champion} since {when(canary.startedAt)}: {canary.status}.
        </p>
      )}
      {runs.length > 0 && (
        <table className="retrain-runs">
          <TableHead columns={['Retraining run', 'Status', 'Started', 'Why']} />
          <tbody>
            {runs.map((r) => (
              <tr key={r.id}>
                <td>
                  <a href={`#/pipelines/${encodeURIComponent(r.id)}`}>{r.name || r.id}</a>
                </td>
                <td>{r.status}</td>
                <td>{when(r.startedAt)}</td>
                <td>{r.tags['capstan.retrain.reason'] ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
