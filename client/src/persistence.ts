/** Optional persistence of the queue in localStorage, so that a reload loses nothing. */
interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const localStorage = (): Storage | undefined => {
  try {
    return (globalThis as { localStorage?: Storage }).localStorage;
  } catch {
    return undefined; // access denied (e.g. disabled cookies)
  }
};

/** The events saved under `key` (and removes them: this client now owns them); [] when none or unreadable. */
export function load(key: string): Record<string, unknown>[] {
  const storage = localStorage();
  const text = storage?.getItem(key);
  if (!text) return [];
  storage!.removeItem(key);
  try {
    const saved: unknown = JSON.parse(text);
    return Array.isArray(saved) ? saved.filter((event) => event && typeof event === 'object' && !Array.isArray(event)) : [];
  } catch {
    return [];
  }
}

/** Saves the events (already serialised); throws what localStorage throws (e.g. QuotaExceededError). */
export function save(key: string, json: readonly string[]): void {
  const storage = localStorage();
  if (!storage) return;
  if (json.length === 0) storage.removeItem(key);
  else storage.setItem(key, `[${json.join(',')}]`);
}
