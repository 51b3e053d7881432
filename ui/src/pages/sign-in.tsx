import { useState, type FormEvent } from 'react';
import { call, session, type Principal } from '../api.ts';

/** Sign in with an API token (`capstan tokens create`, or the admin token the server printed): checked, then kept for the tab. */
export function SignIn({ onSignedIn }: { onSignedIn: (p: Principal) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const me = await call<Principal>('GET', '/api/v1/whoami', undefined, token.trim());
      session.signIn(token.trim());
      onSignedIn(me);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form className="sign-in" onSubmit={submit}>
      <h1>Capstan</h1>
      <label>
        API token
        <input name="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} autoFocus />
      </label>
      <button type="submit" disabled={!token.trim()}>
        Sign in
      </button>
      {error && <p className="error">{error}</p>}
    </form>
  );
}
