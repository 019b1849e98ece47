import { BATCH_RECORDS_PROPERTY } from './contract';

/** UTF-8 length of a string produced by JSON.stringify (which escapes lone surrogates, so every surrogate is paired). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // 2 bytes below U+0800, 3 in the rest of the BMP, 4 for a surrogate pair (2 code units + 1 each).
    if (code >= 0x80) bytes += code < 0x800 || (code >= 0xd800 && code < 0xe000) ? 1 : 2;
  }
  return bytes;
}

/** The request body for events already serialised. */
export const batchBody = (json: readonly string[]): string => `{"${BATCH_RECORDS_PROPERTY}":[${json.join(',')}]}`;

/** Characters of the request body around the events: `{"records":[` and `]}`. */
export const BODY_OVERHEAD = batchBody([]).length;
