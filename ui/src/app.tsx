import { lazy, Suspense, useEffect, useState } from 'react';
import { call, session, type Principal } from './api.ts';
import { SignIn } from './pages/sign-in.tsx';

// each page's code loads when it is first opened
// (in the menu: those with a title; the others are reached from a page, e.g. #/run/ID from the runs table)
const pages = {
  runs: { title: 'Runs', Page: lazy(() => import('./pages/runs.tsx')) },
  run: { title: null, Page: lazy(() => import('./pages/run.tsx')) },
  compare: { title: null, Page: lazy(() => import('./pages/compare.tsx')) },
  datasets: { title: 'Datasets', Page: lazy(() => import('./pages/datasets.tsx')) },
  automl: { title: 'AutoML', Page: lazy(() => import('./pages/automl.tsx')) },
  models: { title: 'Models', Page: lazy(() => import('./pages/models.tsx')) },
  monitoring: { title: 'Monitoring', Page: lazy(() => import('./pages/monitoring.tsx')) },
  pipelines: { title: 'Pipelines', Page: lazy(() => import('./pages/pipelines.tsx')) },
  designer: { title: 'Designer', Page: lazy(() => import('./pages/designer.tsx')) },
} as const;
type PageName = keyof typeof pages;
interface Location {
  page: PageName;
  /** the address's segments after the page's name (decoded) */
  path: string[];
}

/** The page named by the location's hash (#/runs, #/run/ID, #/compare/ID,ID); runs by default. */
function locationOfHash(): Location {
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  if (!(name in pages)) return { page: 'runs', path: [] };
  return { page: name as PageName, path: rest.map((p) => { try { return decodeURIComponent(p); } catch { return p; } }) };
}

export function App() {
  const [me, setMe] = useState<Principal | null>(null);
  const [checking, setChecking] = useState(session.token() !== null);
  const [at, setAt] = useState<Location>(locationOfHash());

  useEffect(() => {
    const onHash = () => setAt(locationOfHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (!session.token()) return;
    call<Principal>('GET', '/api/v1/whoami')
      .then(setMe, () => session.signOut())
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p className="muted">Checking your session...</p>;
  if (!me) return <SignIn onSignedIn={setMe} />;
  const { Page } = pages[at.page];
  const section = at.page === 'run' || at.page === 'compare' ? 'runs' : at.page;
  return (
    <>
      <header>
        <strong>Capstan</strong>
        <nav>
          {(Object.keys(pages) as PageName[])
            .filter((p) => pages[p].title !== null)
            .map((p) => (
              <a key={p} href={`#/${p}`} className={p === section ? 'current' : ''}>
                {pages[p].title}
              </a>
            ))}
        </nav>
        <span className="who">
          {me.name} ({me.role})
          <button
            type="button"
            onClick={() => {
              session.signOut();
              setMe(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>
        <Suspense fallback={<p className="muted">Loading...</p>}>
          <Page key={`${at.page}/${at.path.join('/')}`} me={me} path={at.path} />
        </Suspense>
      </main>
    </>
  );
}
