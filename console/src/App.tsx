// The console: log in, then the tenant's (or operator's) views; routes are in the URL.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiFailure, currentSession, login, logout, whenLoggedOut } from './api';
import { linkProps, navigate, useRoute } from './router';
import type { Session } from './types';
import { ErrorBox } from './ui';
import { NodesPage } from './pages/Nodes';
import { AllocationsPage, AllocationPage, RequestPage } from './pages/Allocations';
import { NetworksPage } from './pages/Networks';
import { ProjectsPage } from './pages/Projects';
import { EventsPage, HotpoolPage, SwitchesPage } from './pages/Operator';

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    whenLoggedOut(() => setSession(null));
    currentSession().then(setSession, () => setSession(null));
  }, []);
  if (session === undefined) return <div className="loading">Loading…</div>;
  if (session === null) return <Login onIn={setSession} />;
  return <Shell session={session} onOut={() => setSession(null)} />;
}

function Login({ onIn }: { onIn: (s: Session) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      onIn(await login(user, password));
    } catch (err) {
      setError(err instanceof ApiFailure && err.status === 401 ? new Error('Wrong user name or password.') : err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title"><span className="brand">bmf</span> console</h1>
        <p className="muted">Bare-metal nodes for your projects, every step as it happens.</p>
        <label>User <input name="user" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} required autoFocus /></label>
        <label>Password <input name="password" type="password" autoComplete="current-password" value={password}
                               onChange={(e) => setPassword(e.target.value)} required /></label>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
      </form>
    </main>
  );
}

function Shell({ session, onOut }: { session: Session; onOut: () => void }) {
  const { path } = useRoute();
  const admin = session.who.role === 'admin';
  const section = path[0] ?? 'nodes';
  const nav: [string, string][] = [['nodes', 'Nodes'], ['allocations', 'Allocations'], ['request', 'Request nodes'], ['networks', 'Networks'], ['projects', 'Projects']];
  if (admin) nav.push(['hotpool', 'Hotpool'], ['switches', 'Switches'], ['events', 'Events']);
  else nav.push(['events', 'Events']);
  async function out() {
    await logout().catch(() => {});
    onOut();
    navigate('/ui/');
  }
  let page;
  switch (section) {
    case 'nodes': page = <NodesPage session={session} />; break;
    case 'allocations': page = path[1] ? <AllocationPage id={path[1]} /> : <AllocationsPage />; break;
    case 'request': page = <RequestPage session={session} />; break;
    case 'networks': page = <NetworksPage session={session} />; break;
    case 'projects': page = <ProjectsPage />; break;
    case 'hotpool': page = <HotpoolPage />; break;
    case 'switches': page = <SwitchesPage />; break;
    case 'events': page = <EventsPage />; break;
    default: page = <main className="page"><h1>Not found</h1><p>There is no page “{path.join('/')}”.</p></main>;
  }
  return (
    <div className="shell">
      <header className="top">
        <a className="brand" {...linkProps('/ui/')}>bmf</a>
        <nav aria-label="Sections">
          {nav.map(([to, label]) => (
            <a key={to} {...linkProps(to)} aria-current={section === to ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <div className="who">
          <span title={session.who.projects.join(', ')}>{session.who.user}</span>
          <span className="role">{session.who.role}</span>
          <button className="link" onClick={out}>Log out</button>
        </div>
      </header>
      {page}
    </div>
  );
}
