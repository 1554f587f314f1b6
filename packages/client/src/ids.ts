/** A random idempotency key: 26 characters of digits and `a`–`v` (130 bits). */
export function randomKey(): string {
  let key = '';
  // 256 is a multiple of 32, so every character is uniform.
  for (const b of crypto.getRandomValues(new Uint8Array(26))) key += (b & 31).toString(32);
  return key;
}

/** True for strings the protocol accepts as idempotency keys. */
export function isValidKey(key: unknown): key is string {
  return typeof key === 'string' && /^[\w-]{1,64}$/.test(key);
}
