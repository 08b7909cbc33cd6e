// The coordinator's API, as the console calls it: same origin, the session cookie (HttpOnly:
// this code never sees it), and on every write the CSRF token the login answered with.
import type { ApiError, Session } from './types';

let csrf = '';
let onUnauthenticated: () => void = () => {};

export function setCsrf(token: string) { csrf = token; }
export function whenLoggedOut(fn: () => void) { onUnauthenticated = fn; }

export class ApiFailure extends Error {
  constructor(public status: number, public error: ApiError) {
    super(error.message || `HTTP ${status}`);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) {
    let err: ApiError = { code: String(res.status), message: text || res.statusText };
    try { err = JSON.parse(text) as ApiError; } catch { /* not JSON: keep the text */ }
    if (res.status === 401 && path !== '/api/v1/session') onUnauthenticated();
    throw new ApiFailure(res.status, err);
  }
  return (text ? JSON.parse(text) : {}) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});

export async function login(user: string, password: string): Promise<Session> {
  const s = await api<Session>('POST', '/api/v1/session', { user, password });
  setCsrf(s.csrfToken);
  return s;
}
export async function currentSession(): Promise<Session | null> {
  try {
    const s = await get<Session>('/api/v1/session');
    setCsrf(s.csrfToken);
    return s;
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) return null;
    throw e;
  }
}
export async function logout(): Promise<void> {
  try { await api('DELETE', '/api/v1/session'); } finally { setCsrf(''); }
}

/** Follows an allocation's server-sent events; returns the function that stops following. */
export function followAllocation(id: string, onData: (data: string) => void, onEnd: () => void): () => void {
  const es = new EventSource(`/api/v1/allocations/${encodeURIComponent(id)}/events`, { withCredentials: true });
  es.addEventListener('allocation', (e) => onData((e as MessageEvent<string>).data));  // every event is named so
  es.onerror = () => { es.close(); onEnd(); };  // the stream ends when the allocation is final
  return () => es.close();
}
