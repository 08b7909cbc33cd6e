// Routes live in the URL (/ui/allocations/12 is a link one can share): the History API, no library.
import { useEffect, useState } from 'react';
import { routeOf } from './logic';

/** Goes to a console route; `replace` rewrites the current entry (filters typed in a page). */
export function navigate(to: string, { replace = false } = {}) {
  const url = to.startsWith('/ui/') ? to : `/ui/${to.replace(/^\//, '')}`;
  if (replace) history.replaceState(null, '', url);
  else if (url !== location.pathname + location.search) history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): { path: string[]; query: URLSearchParams } {
  const [loc, setLoc] = useState(() => location.pathname + location.search);
  useEffect(() => {
    const on = () => setLoc(location.pathname + location.search);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  const [pathname, search = ''] = loc.split('?');
  return { path: routeOf(pathname), query: new URLSearchParams(search) };
}

/** An <a> that navigates inside the console (and still opens in a new tab with a middle click). */
export function linkProps(to: string) {
  const href = to.startsWith('/ui/') ? to : `/ui/${to.replace(/^\//, '')}`;
  return {
    href,
    onClick: (e: { button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; preventDefault: () => void }) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
      e.preventDefault();
      navigate(href);
    },
  };
}
