/** What the construct's `EnvelopeField.eventId()` copies into the record: 1-128 of [A-Za-z0-9._:-]. */
export const isEventId = (v: unknown): v is string => typeof v == 'string' && /^[\w.:-]{1,128}$/.test(v);

/** A random UUID v4: `crypto.randomUUID()` where it exists (secure contexts, Node 20), else built from `getRandomValues`. */
export function uuid(c: Partial<Crypto> | undefined = globalThis.crypto): string {
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.random() * 256;
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
