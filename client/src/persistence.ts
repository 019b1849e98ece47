/** Optional persistence of the queue in localStorage, so that a reload loses nothing. */
interface Storage {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

const storage = (): Storage | undefined => {
  try {
    return (globalThis as { localStorage?: Storage }).localStorage;
  } catch {
    return undefined; // access denied (e.g. disabled cookies)
  }
};

/** The events saved under `key` (and removes them: this client now owns them); [] when none or unreadable. */
export function load(key: string): Record<string, unknown>[] {
  const s = storage();
  const text = s?.getItem(key);
  if (!text) return [];
  s!.removeItem(key);
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((e) => e && typeof e == 'object' && !Array.isArray(e)) : [];
  } catch {
    return [];
  }
}

/** Saves the events (already serialised); throws what localStorage throws (e.g. QuotaExceededError). */
export function save(key: string, json: readonly string[]): void {
  const s = storage();
  if (!s) return;
  if (json.length == 0) s.removeItem(key);
  else s.setItem(key, `[${json.join(',')}]`);
}
