import { lazy, Suspense, useEffect, useState } from 'react';
import { call, session, type Principal } from './api.ts';
import { SignIn } from './pages/sign-in.tsx';

// each page's code loads when it is first opened
const pages = {
  runs: { title: 'Runs', Page: lazy(() => import('./pages/runs.tsx')) },
  models: { title: 'Models', Page: lazy(() => import('./pages/models.tsx')) },
} as const;
type PageName = keyof typeof pages;

/** The page named by the location's hash (#/runs, #/models); runs by default. */
function pageOfHash(): PageName {
  const name = location.hash.replace(/^#\/?/, '').split('/')[0];
  return name in pages ? (name as PageName) : 'runs';
}

export function App() {
  const [me, setMe] = useState<Principal | null>(null);
  const [checking, setChecking] = useState(session.token() !== null);
  const [page, setPage] = useState<PageName>(pageOfHash());

  useEffect(() => {
    const onHash = () => setPage(pageOfHash());
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
  const { Page } = pages[page];
  return (
    <>
      <header>
        <strong>Capstan</strong>
        <nav>
          {(Object.keys(pages) as PageName[]).map((p) => (
            <a key={p} href={`#/${p}`} className={p === page ? 'current' : ''}>
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
          <Page me={me} />
        </Suspense>
      </main>
    </>
  );
}
