import { useCallback, useEffect, useState, type ComponentType } from 'react';
import { call, session, type Principal } from './api.ts';
import { SignIn } from './pages/sign-in.tsx';

// each page's code loads when it is first opened (the page a tab opens on: while the session is checked)
// (in the menu: those with a title; the others are reached from a page, e.g. #/run/ID from the runs table)
const loaders = {
  runs: { title: 'Runs', load: () => import('./pages/runs.tsx') },
  run: { title: null, load: () => import('./pages/run.tsx') },
  compare: { title: null, load: () => import('./pages/compare.tsx') },
  datasets: { title: 'Datasets', load: () => import('./pages/datasets.tsx') },
  automl: { title: 'AutoML', load: () => import('./pages/automl.tsx') },
  models: { title: 'Models', load: () => import('./pages/models.tsx') },
  monitoring: { title: 'Monitoring', load: () => import('./pages/monitoring.tsx') },
  pipelines: { title: 'Pipelines', load: () => import('./pages/pipelines.tsx') },
  designer: { title: 'Designer', load: () => import('./pages/designer.tsx') },
} as const;
type PageName = keyof typeof loaders;
type PageProps = { me: Principal; path: string[] };
type Pages = Partial<Record<PageName, ComponentType<PageProps>>>;
interface Location {
  page: PageName;
  /** the address's segments after the page's name (decoded) */
  path: string[];
}

/** The page named by the location's hash (#/runs, #/run/ID, #/compare/ID,ID); runs by default. */
function locationOfHash(): Location {
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  if (!(name in loaders)) return { page: 'runs', path: [] };
  return { page: name as PageName, path: rest.map((p) => { try { return decodeURIComponent(p); } catch { return p; } }) };
}

export function App() {
  const [me, setMe] = useState<Principal | null>(null);
  const [checking, setChecking] = useState(session.token() !== null);
  const [at, setAt] = useState<Location>(locationOfHash());
  // the pages whose code has arrived: one is drawn as soon as both it and its data are there (not through React.lazy and
  // Suspense, which hold back a page for up to 300 ms after showing a fallback)
  const [loaded, setLoaded] = useState<Pages>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const open = useCallback((page: PageName) => {
    loaders[page].load().then(
      (m) => setLoaded((l) => (l[page] ? l : { ...l, [page]: m.default as ComponentType<PageProps> })),
      (e: Error) => setLoadError(`the ${page} page could not be loaded (${e.message}): reload the tab`),
    );
  }, []);

  useEffect(() => {
    const onHash = () => setAt(locationOfHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (!session.token()) return;
    // the page's code is fetched while the session is checked, not after
    open(locationOfHash().page);
    call<Principal>('GET', '/api/v1/whoami')
      .then(setMe, () => session.signOut())
      .finally(() => setChecking(false));
  }, [open]);
  useEffect(() => {
    if (me && !loaded[at.page]) open(at.page);
  }, [me, at.page, loaded, open]);

  if (checking) return <p className="muted">Checking your session...</p>;
  if (!me) return <SignIn onSignedIn={setMe} />;
  const Page = loaded[at.page];
  const section = at.page === 'run' || at.page === 'compare' ? 'runs' : at.page;
  return (
    <>
      <header>
        <strong>Capstan</strong>
        <nav>
          {(Object.keys(loaders) as PageName[])
            .filter((p) => loaders[p].title !== null)
            .map((p) => (
              <a key={p} href={`#/${p}`} className={p === section ? 'current' : ''}>
                {loaders[p].title}
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
        {Page ? <Page key={`${at.page}/${at.path.join('/')}`} me={me} path={at.path} /> : loadError ? <p className="error">{loadError}</p> : <p className="muted">Loading...</p>}
      </main>
    </>
  );
}
