/** UTF-8 length of a string produced by JSON.stringify (which escapes lone surrogates, so every surrogate is paired). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // 2 bytes below U+0800, 3 in the rest of the BMP, 4 for a surrogate pair (2 code units + 1 each).
    if (c > 127) n += c < 2048 || (c >= 0xd800 && c < 0xe000) ? 1 : 2;
  }
  return n;
}

/** Characters of the request body around the events: `{"records":[` and `]}`. */
export const BODY_OVERHEAD = 14;

/** The request body for events already serialised. */
export const batchBody = (json: readonly string[]): string => `{"records":[${json.join(',')}]}`;
