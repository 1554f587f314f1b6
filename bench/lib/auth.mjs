/** The token check every target's server uses, so auth costs the same everywhere. */

/** Token the load generator sends for connection `i`. */
export function tokenFor(i) {
  return `tok-${i}`;
}

/** Returns the principal for a valid token, or undefined. */
export function principalOf(token) {
  return typeof token === 'string' && token.startsWith('tok-') ? { id: token.slice(4) } : undefined;
}
