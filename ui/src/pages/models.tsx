import { useEffect, useState } from 'react';
import { call, formatDouble, query, type Page, type Principal, type ModelVersion, type RegisteredModel } from '../api.ts';

function when(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** Registered models, and the versions of the one chosen: aliases, metrics, author. */
export default function ModelsPage(_: { me: Principal }) {
  const [models, setModels] = useState<RegisteredModel[]>([]);
  const [chosen, setChosen] = useState<string | null>(null);
  const [versions, setVersions] = useState<ModelVersion[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call<{ items: RegisteredModel[] }>('GET', '/api/v1/models').then((r) => {
      setModels(r.items);
      if (r.items.length) setChosen((c) => c ?? r.items[0].name);
    }, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    if (!chosen) return;
    call<Page<ModelVersion>>('GET', `/api/v1/models/${encodeURIComponent(chosen)}/versions${query({ limit: 100 })}`).then((p) => setVersions(p.items), (e: Error) => setError(e.message));
  }, [chosen]);

  const model = models.find((m) => m.name === chosen);
  return (
    <section className="models">
      {error && <p className="error">{error}</p>}
      <ul className="model-list">
        {models.map((m) => (
          <li key={m.name}>
            <button type="button" className={m.name === chosen ? 'current' : ''} onClick={() => setChosen(m.name)}>
              {m.name}
            </button>
          </li>
        ))}
      </ul>
      {model && (
        <div className="model">
          <h2>{model.name}</h2>
          {model.description && <p>{model.description}</p>}
          <table>
            <thead>
              <tr>
                <th>Version</th>
                <th>Aliases</th>
                <th>Author</th>
                <th>Registered</th>
                <th>Metrics</th>
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
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
