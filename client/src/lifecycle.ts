/** Browser page lifecycle: the listeners the client adds, each removed by the function returned. */
type Target = { addEventListener(t: string, f: () => void): void; removeEventListener(t: string, f: () => void): void };

export interface PageHooks {
  /** The page is hidden or being unloaded: send what is queued now. */
  hide(): void;
  /** The browser is online again. */
  online(): void;
}

/** Listens to `visibilitychange` (to hidden), `pagehide` and `online`; returns the function that removes them all. */
export function watchPage(h: PageHooks): () => void {
  const g = globalThis as unknown as Target & { document?: Target & { visibilityState?: string } };
  const doc = g.document;
  if (!doc || typeof g.addEventListener != 'function') return () => {};
  const vis = () => doc.visibilityState == 'hidden' && h.hide();
  const pairs: [Target, string, () => void][] = [[doc, 'visibilitychange', vis], [g, 'pagehide', h.hide], [g, 'online', h.online]];
  for (const [t, e, f] of pairs) t.addEventListener(e, f);
  return () => {
    for (const [t, e, f] of pairs) t.removeEventListener(e, f);
  };
}

/** False only when the browser says it is offline (`navigator.onLine`); Node is always online. */
export const isOnline = (): boolean => (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine !== false;
