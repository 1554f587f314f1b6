import type { IncomingMessage } from 'node:http';

/** What `authenticate` receives. */
export interface AuthenticateContext {
  /** Token of the `connect` (or `refresh`) frame, when the client sent one. */
  readonly token: string | undefined;
  /**
   * The HTTP upgrade request (cookies, headers, address) on `connect`. `undefined` on `refresh`:
   * the request is not kept for the life of the connection, to keep idle connections small.
   */
  readonly request: IncomingMessage | undefined;
  /** True when called for a `refresh` frame rather than the first `connect`. */
  readonly refresh: boolean;
}

/** A principal with who it is across the cluster, what others may see of it, and its token's expiry. */
export interface AuthenticatedPrincipal<P = unknown> {
  readonly principal: P;
  /**
   * Names the user across the cluster: idempotency keys, presence and `disconnectUser` key on it.
   * At most {@link MAX_USER_ID_LENGTH} characters.
   * @default the principal itself when it is a string, else none (an anonymous connection)
   */
  readonly userId?: string;
  /**
   * A small JSON value shown to others (presence). At most {@link MAX_INFO_BYTES} bytes as JSON;
   * a bigger one refuses the connection with 1011 and an `error` event on the hub.
   */
  readonly info?: unknown;
  /** Expiry of the token, in epoch ms. The client is told its ttl and must `refresh` before it. */
  readonly expiresAt?: number;
}

/** Longest `userId`, in characters. */
export const MAX_USER_ID_LENGTH = 256;
/** Largest `info`, in bytes of JSON. */
export const MAX_INFO_BYTES = 4096;

/**
 * Result of `authenticate`. An object with an own `principal` key is read as
 * {@link AuthenticatedPrincipal} (`{ principal, expiresAt? }`); anything else truthy is the
 * principal itself. `null`, `undefined` and `false` refuse the connection, as does a throw.
 */
export type AuthenticateResult = unknown;

/**
 * Authenticates a connection. Refuse by throwing (the error's message becomes the close reason)
 * or by returning `null`, `undefined` or `false`: the socket is closed with 4401.
 */
export type AuthenticateHook = (ctx: AuthenticateContext) => AuthenticateResult | Promise<AuthenticateResult>;

/** Action checked by `authorize`. */
export type AuthorizeAction = 'subscribe' | 'publish' | 'presence';

/**
 * Allows (`true`) or refuses (anything else) an action on a topic. A refusal answers the request
 * with a `FORBIDDEN` error frame whose message is the returned string, when one is returned
 * (e.g. `'message longer than 500 characters'`); a throw answers with an `INTERNAL` one. For
 * `'publish'` the hook also gets the message's `data`, so it can check content (size, shape)
 * before anything is stored or delivered.
 */
export type AuthorizeHook = (
  principal: unknown,
  action: AuthorizeAction,
  topic: string,
  data?: unknown,
) => boolean | string | Promise<boolean | string>;

/** Who a connection is, derived once from what `authenticate` returned. */
export interface Identity {
  readonly principal: unknown;
  readonly userId: string | undefined;
  readonly info: unknown;
  readonly expiresAt: number | undefined;
}

/**
 * Outcome of an authentication attempt. `internal` marks a refusal caused by the hook's own
 * result (a server bug, e.g. an `info` too big) rather than by the client's token.
 */
export type AuthOutcome =
  | ({ readonly ok: true } & Identity)
  | { readonly ok: false; readonly reason: string; readonly internal?: boolean };

const ACCEPT_ALL: AuthOutcome = {
  ok: true,
  principal: null,
  userId: undefined,
  info: undefined,
  expiresAt: undefined,
};

function invalid(reason: string): AuthOutcome {
  return { ok: false, reason: `authenticate returned ${reason}`, internal: true };
}

function infoProblem(info: unknown): string | undefined {
  if (info === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(info);
  } catch {
    return 'an info that is not JSON-serialisable';
  }
  if (json === undefined) return 'an info that is not JSON-serialisable';
  const bytes = Buffer.byteLength(json);
  return bytes > MAX_INFO_BYTES ? `an info of ${bytes} bytes (at most ${MAX_INFO_BYTES})` : undefined;
}

/**
 * Derives a connection's identity from what `authenticate` returned: the one place where
 * `userId` defaults to a string principal.
 */
export function identityOf(result: AuthenticatedPrincipal): AuthOutcome {
  const { principal, userId, info, expiresAt } = result;
  if (
    userId !== undefined &&
    (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH)
  ) {
    return invalid(`a userId that is not a string of 1-${MAX_USER_ID_LENGTH} characters`);
  }
  const problem = infoProblem(info);
  if (problem) return invalid(problem);
  const derived =
    userId ??
    (typeof principal === 'string' && principal.length > 0
      ? principal.slice(0, MAX_USER_ID_LENGTH)
      : undefined);
  return { ok: true, principal, userId: derived, info, expiresAt };
}

/** Reads what `authenticate` returned, following {@link AuthenticateResult}. */
export function readAuthResult(result: unknown, now: number): AuthOutcome {
  if (result === null || result === undefined || result === false) {
    return { ok: false, reason: 'authentication refused' };
  }
  if (typeof result === 'object' && Object.hasOwn(result, 'principal')) {
    const { expiresAt } = result as AuthenticatedPrincipal;
    if (expiresAt !== undefined && (typeof expiresAt !== 'number' || Number.isNaN(expiresAt))) {
      return invalid('an invalid expiresAt');
    }
    if (expiresAt !== undefined && expiresAt <= now) return { ok: false, reason: 'token expired' };
    return identityOf(result as AuthenticatedPrincipal);
  }
  return identityOf({ principal: result });
}

/** Runs `authenticate` (or accepts everyone as `null` when there is none) and reads its result. */
export async function runAuthenticate(
  hook: AuthenticateHook | undefined,
  ctx: AuthenticateContext,
): Promise<AuthOutcome> {
  if (!hook) return ACCEPT_ALL;
  try {
    return readAuthResult(await hook(ctx), Date.now());
  } catch (err) {
    const reason = err instanceof Error && err.message ? err.message : 'authentication refused';
    return { ok: false, reason };
  }
}
