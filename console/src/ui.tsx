// Small shared pieces: state badges, data loading, errors, tables.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiFailure, get } from './api';
import { enumWord, stateTone } from './logic';

export function Badge({ value, title }: { value: string; title?: string }) {
  const word = enumWord(value) || value;
  return <span className={`badge tone-${stateTone(word)}`} title={title}>{word.replace(/_/g, ' ')}</span>;
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof ApiFailure ? error.error.message : String(error);
  return <div className="error" role="alert">{text}</div>;
}

/** GETs `path` (again every `everyMs` when given, and on reload()). */
export function useData<T>(path: string | null, everyMs = 0) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const alive = useRef(true);
  const load = useCallback(async () => {
    if (!path) return;
    try {
      const d = await get<T>(path);
      if (alive.current) { setData(d); setError(null); }
    } catch (e) {
      if (alive.current) setError(e);
    }
  }, [path]);
  useEffect(() => {
    alive.current = true;
    void load();
    const t = everyMs ? window.setInterval(() => void load(), everyMs) : 0;
    return () => { alive.current = false; if (t) window.clearInterval(t); };
  }, [load, everyMs]);
  return { data, error, reload: load };
}

export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  useEffect(() => { document.title = `${title} · bmf`; }, [title]);
  return (
    <main className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{title}</h1>
        <div className="actions">{actions}</div>
      </div>
      {children}
    </main>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
