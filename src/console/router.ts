import { useEffect, useState } from 'preact/hooks';

/** The tabs of one function's page. */
export const functionTabs = ['code', 'configuration', 'test', 'monitoring', 'logs', 'triggers'] as const;
export type FunctionTab = (typeof functionTabs)[number];

/** Where the console is: the part of the URL after '#'. */
export type Route =
  | { view: 'functions' }
  | { view: 'create' }
  | { view: 'function'; name: string; tab: FunctionTab }
  | { view: 'monitoring' }
  | { view: 'dead-letters' }
  | { view: 'billing' }
  | { view: 'not-found'; path: string };

/** Reads a route from location.hash ('#/functions/NAME/test'). */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/functions';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts[0] === 'functions' && parts.length === 1)) return { view: 'functions' };
  if (parts[0] === 'create' && parts.length === 1) return { view: 'create' };
  if (parts[0] === 'functions' && parts.length <= 3) {
    const tab = (parts[2] ?? 'code') as FunctionTab;
    if (functionTabs.includes(tab)) return { view: 'function', name: parts[1], tab };
  }
  if (
    parts.length === 1 &&
    (parts[0] === 'monitoring' || parts[0] === 'dead-letters' || parts[0] === 'billing')
  )
    return { view: parts[0] };
  return { view: 'not-found', path };
}

/** The href of a route. */
export function href(route: Route): string {
  switch (route.view) {
    case 'function':
      return `#/functions/${encodeURIComponent(route.name)}/${route.tab}`;
    case 'not-found':
      return '#/functions';
    default:
      return `#/${route.view}`;
  }
}

/** Goes to a route (through the same guard as links). */
export function navigate(route: Route): void {
  location.hash = href(route).slice(1);
}

/** Checks run before leaving the current page; each returns true when it holds unsaved changes. */
const guards = new Set<() => boolean>();

/** Registers an unsaved-changes check for as long as the caller is mounted. */
export function useLeaveGuard(dirty: () => boolean): void {
  useEffect(() => {
    guards.add(dirty);
    return () => {
      guards.delete(dirty);
    };
  }, [dirty]);
}

function hasUnsavedChanges(): boolean {
  for (const g of guards) if (g()) return true;
  return false;
}

/** Whether two routes show the same page (tabs of one function are one page: edits survive them). */
function samePage(a: Route, b: Route): boolean {
  return a.view === 'function' && b.view === 'function' ? a.name === b.name : false;
}

/** The current route; leaving a page with unsaved changes asks first, and stays when declined. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    let current = location.hash;
    const onHashChange = () => {
      const next = parseRoute(location.hash);
      const prev = parseRoute(current);
      if (
        !samePage(prev, next) &&
        hasUnsavedChanges() &&
        !confirm('Leave this page? Your unsaved changes will be lost.')
      ) {
        history.replaceState(null, '', current || '#/functions');
        return;
      }
      current = location.hash;
      setRoute(next);
    };
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (hasUnsavedChanges()) e.preventDefault();
    };
    addEventListener('hashchange', onHashChange);
    addEventListener('beforeunload', onBeforeUnload);
    return () => {
      removeEventListener('hashchange', onHashChange);
      removeEventListener('beforeunload', onBeforeUnload);
    };
  }, []);
  return route;
}
