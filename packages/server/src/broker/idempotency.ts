/**
 * Idempotency keys are scoped by publisher identity, so one publisher's key never answers for
 * another's message (issue #10, case 1). Scopes: `u:<userId>` for an authenticated user, `c:<id>`
 * for an anonymous client instance (its `connect.client`, the same across reconnects, or its
 * session id when it sent none), and `s` for backend code (`hub.publish`, `createPublisher`, the
 * HTTP API), which share one scope so a retry through any of them is recognised.
 */
export const SERVER_SCOPE = 's';

/** Scope of a connection's publishes. */
export function connectionScope(userId: string | undefined, client: string | undefined, sid: string): string {
  if (userId !== undefined) return `u:${userId}`;
  return `c:${client ?? sid}`;
}

/** The key a broker stores: the publisher's scope, then the key it sent. */
export function scopeKey(scope: string, key: string | undefined): string | undefined {
  return key === undefined ? undefined : `${scope}:${key}`;
}
