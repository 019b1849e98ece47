import { EVENT_ID_PATTERN } from './contract';

const EVENT_ID = new RegExp(`^${EVENT_ID_PATTERN}$`);

/** What the construct's `EnvelopeField.eventId()` copies into the record: 1-128 of [A-Za-z0-9._:-]. */
export const isEventId = (value: unknown): value is string => typeof value === 'string' && EVENT_ID.test(value);

/** A random UUID v4: `crypto.randomUUID()` where it exists (secure contexts, Node 20), else built from `getRandomValues`. */
export function uuid(crypto: Partial<Crypto> | undefined = globalThis.crypto): string {
  if (crypto?.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.random() * 256;
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10xx
  const hex = Array.from(bytes, (byte) => (byte + 256).toString(16).slice(1)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
