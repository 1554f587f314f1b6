const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const KEY_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** A random idempotency key: 21 characters of letters, digits, `_` and `-` (126 bits). */
export function randomKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(21));
  let key = '';
  for (const b of bytes) key += ALPHABET[b & 63];
  return key;
}

/** True for strings the protocol accepts as idempotency keys. */
export function isValidKey(key: unknown): key is string {
  return typeof key === 'string' && KEY_RE.test(key);
}
