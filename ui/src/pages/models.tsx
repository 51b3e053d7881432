import { useCallback, useEffect, useState } from 'react';
import { call, formatDouble, hasRole, query, type Approval, type AuditEvent, type ModelCard, type ModelVersion, type Page, type Principal, type RegisteredModel } from '../api.ts';
import { when } from '../parts/format.ts';
import { Markdown } from '../parts/markdown.tsx';
import { PickList } from '../parts/pick-list.tsx';

/**
 * Registered models, and for the one chosen: its versions (aliases, author, metrics), a version's model card (the champion's
 * until another is picked), approvals and audit log. Approving a version for the served alias is offered to approvers only; the
 * server enforces the role and the four-eyes rule anyway.
 */
export default function ModelsPage({ me }: { me: Principal; path: string[] }) {
  const [models, setModels] = useState<RegisteredModel[]>([]);
  const [chosen, setChosen] = useState<string | null>(null);
  const [versions, setVersions] = useState<ModelVersion[]>([]);
  const [approvals, setApprovals] = useState<Approval[]>([]);
  const [audit, setAudit] = useState<AuditEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [cardOf, setCardOf] = useState<number | null>(null);
  const [card, setCard] = useState<{ version: number; card: ModelCard | null } | null>(null);

  useEffect(() => {
    call<{ items: RegisteredModel[] }>('GET', '/api/v1/models').then((r) => {
      setModels(r.items);
      if (r.items.length) setChosen((c) => c ?? r.items[0].name);
    }, (e: Error) => setError(e.message));
  }, []);
  const load = useCallback(() => {
    if (!chosen) return;
    const name = encodeURIComponent(chosen);
    Promise.all([
      call<Page<ModelVersion>>('GET', `/api/v1/models/${name}/versions${query({ limit: 100 })}`),
      call<{ items: Approval[] }>('GET', `/api/v1/models/${name}/approvals`),
      call<Page<AuditEvent>>('GET', `/api/v1/audit${query({ entity: chosen, limit: 200 })}`),
    ]).then(([v, a, l]) => {
      setVersions(v.items);
      setApprovals(a.items);
      setAudit(l.items.slice(-20).reverse());
    }, (e: Error) => setError(e.message));
  }, [chosen]);
  useEffect(load, [load]);
  const model = models.find((m) => m.name === chosen);
  // the card shown: the version picked, else the champion's, else the latest version's
  const shown = cardOf ?? model?.aliases.champion ?? (versions.length ? versions[versions.length - 1].version : null);
  useEffect(() => {
    if (!chosen || shown === null) return setCard(null);
    call<{ card: ModelCard | null }>('GET', `/api/v1/models/${encodeURIComponent(chosen)}/versions/${shown}/card`).then((r) => setCard({ version: shown, card: r.card }), (e: Error) => setError(e.message));
  }, [chosen, shown]);

  const approve = async (v: ModelVersion) => {
    setError(null);
    setNotice(null);
    try {
      await call('POST', `/api/v1/models/${encodeURIComponent(v.name)}/versions/${v.version}/approvals`, { alias: 'champion', comment: 'approved in the web UI' });
      setNotice(`version ${v.version} approved for champion`);
      load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const approver = hasRole(me, 'approver');
  return (
    <section className="models">
      <PickList
        items={models}
        keyOf={(m) => m.name}
        chosen={chosen}
        onPick={(n) => {
          setChosen(n);
          setCardOf(null);
        }}
        label={(m) => m.name}
      />
      {model && (
        <div className="model">
          <h2>{model.name}</h2>
          {model.description && <p>{model.description}</p>}
          {error && <p className="error">{error}</p>}
          {notice && <p className="notice">{notice}</p>}
          <h3>Traffic</h3>
          {model.traffic ? (
            <table className="traffic">
              <tbody>
                {model.traffic.routes.map((r, i) => (
                  <tr key={i}>
                    <th>{'version' in r ? `version ${r.version}` : `alias ${r.alias}`}</th>
                    <td className="num">{((r.weight / model.traffic!.routes.reduce((a, x) => a + x.weight, 0)) * 100).toFixed(1)}%</td>
                  </tr>
                ))}
                {model.traffic.shadow && (
                  <tr>
                    <th>shadow</th>
                    <td>{'version' in model.traffic.shadow ? `version ${model.traffic.shadow.version}` : `alias ${model.traffic.shadow.alias}`} (answers logged, never returned)</td>
                  </tr>
                )}
                {model.traffic.stickyHeader && (
                  <tr>
                    <th>sticky by header</th>
                    <td>{model.traffic.stickyHeader}</td>
                  </tr>
                )}
              </tbody>
            </table>
          ) : (
            <p className="muted traffic">no split:{' '}
              {model.aliases.champion
                ? `the champion (version ${model.aliases.champion}) answers the bare name`
                : model.policy.protectedAliases.includes('champion')
                  ? 'the bare name answers once a version is approved for champion'
                  : 'the latest version answers the bare name'}</p>
          )}
          <table className="versions">
            <thead>
              <tr>
                <th>Version</th>
                <th>Aliases</th>
                <th>Author</th>
                <th>Registered</th>
                <th>Metrics</th>
                <th>Lineage</th>
                <th>Card</th>
                {approver && <th />}
              </tr>
            </thead>
            <tbody>
              {[...versions].reverse().map((v) => (
                <tr key={v.version}>
                  <td>{v.version}</td>
                  <td>{v.aliases.join(', ')}</td>
                  <td>{v.author}</td>
                  <td>{when(v.createdAt)}</td>
                  <td>
                    {Object.entries(v.metrics)
                      .slice(0, 4)
                      .map(([k, x]) => `${k} ${formatDouble(x)}`)
                      .join(', ')}
                  </td>
                  <td className="lineage">
                    {v.lineage.runId ?? v.runId ? <a href={`#/run/${encodeURIComponent((v.lineage.runId ?? v.runId)!)}`}>run</a> : null}
                    {(v.lineage.datasets ?? []).map((d) => (
                      <span key={`${d.id}/${d.role}`}>
                        {' '}
                        <a href={`#/datasets/${encodeURIComponent(d.name)}/${d.version}`}>
                          {d.name} v{d.version}
                        </a>{' '}
                        <span className="muted">({d.role})</span>
                      </span>
                    ))}
                  </td>
                  <td>
                    <button type="button" className={v.version === shown ? 'current' : ''} aria-label={`card of version ${v.version}`} onClick={() => setCardOf(v.version)}>
                      {v.version === shown ? 'shown' : 'show'}
                    </button>
                  </td>
                  {approver && (
                    <td>
                      <button type="button" onClick={() => void approve(v)}>
                        Approve for champion
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {card && (
            <>
              <h3>Model card: version {card.version}</h3>
              {card.card ? (
                <>
                  <p className="muted">
                    written by {card.card.updatedBy}, {when(card.card.updatedAt)}
                  </p>
                  <Markdown text={card.card.text} />
                </>
              ) : (
                <p className="muted">
                  No card for version {card.version}: capstan models card {model?.name}:{card.version} drafts one from what the registry knows; edit it, then
                  capstan models card {model?.name}:{card.version} --file card.md
                </p>
              )}
            </>
          )}
          <h3>Approvals</h3>
          {approvals.length === 0 ? (
            <p className="muted">none</p>
          ) : (
            <ul className="approvals">
              {approvals.map((a) => (
                <li key={a.id}>
                  version {a.version} for {a.alias} by {a.approver}
                  {a.self ? ' (self-approval)' : ''}, {when(a.at)}
                  {a.comment ? `: ${a.comment}` : ''}
                </li>
              ))}
            </ul>
          )}
          <h3>Audit log</h3>
          <table className="audit">
            <tbody>
              {audit.map((e) => (
                <tr key={e.id}>
                  <td>{when(e.at)}</td>
                  <td>{e.actor}</td>
                  <td>{e.action}</td>
                  <td>{e.entity}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
