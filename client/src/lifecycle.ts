/** Browser page lifecycle: the listeners the client adds, each removed by the function returned. */
type Target = { addEventListener(type: string, listener: () => void): void; removeEventListener(type: string, listener: () => void): void };

export interface PageHooks {
  /** The page is hidden or being unloaded: send what is queued now. */
  hide(): void;
  /** The browser is online again. */
  online(): void;
}

/** Listens to `visibilitychange` (to hidden), `pagehide` and `online`; returns the function that removes them all. */
export function watchPage(hooks: PageHooks): () => void {
  const page = globalThis as unknown as Target & { document?: Target & { visibilityState?: string } };
  const document = page.document;
  if (!document || typeof page.addEventListener !== 'function') return () => {};
  const onVisibilityChange = () => document.visibilityState === 'hidden' && hooks.hide();
  const listeners: [Target, string, () => void][] = [
    [document, 'visibilitychange', onVisibilityChange],
    [page, 'pagehide', hooks.hide],
    [page, 'online', hooks.online],
  ];
  for (const [target, type, listener] of listeners) target.addEventListener(type, listener);
  return () => {
    for (const [target, type, listener] of listeners) target.removeEventListener(type, listener);
  };
}

/** False only when the browser says it is offline (`navigator.onLine`); Node is always online. */
export const isOnline = (): boolean => (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine !== false;
