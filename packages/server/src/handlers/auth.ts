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

/** A principal with the time its token stops being valid. */
export interface AuthenticatedPrincipal<P = unknown> {
  readonly principal: P;
  /** Expiry of the token, in epoch ms. The client is told its ttl and must `refresh` before it. */
  readonly expiresAt?: number;
}

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
export type AuthorizeAction = 'subscribe' | 'publish';

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

/** Outcome of an authentication attempt. */
export type AuthOutcome =
  | { readonly ok: true; readonly principal: unknown; readonly expiresAt: number | undefined }
  | { readonly ok: false; readonly reason: string };

const ACCEPT_ALL: AuthOutcome = { ok: true, principal: null, expiresAt: undefined };

/** Reads what `authenticate` returned, following {@link AuthenticateResult}. */
export function readAuthResult(result: unknown, now: number): AuthOutcome {
  if (result === null || result === undefined || result === false) {
    return { ok: false, reason: 'authentication refused' };
  }
  if (typeof result === 'object' && Object.hasOwn(result, 'principal')) {
    const { principal, expiresAt } = result as AuthenticatedPrincipal;
    if (expiresAt !== undefined && (typeof expiresAt !== 'number' || Number.isNaN(expiresAt))) {
      return { ok: false, reason: 'authenticate returned an invalid expiresAt' };
    }
    if (expiresAt !== undefined && expiresAt <= now) return { ok: false, reason: 'token expired' };
    return { ok: true, principal, expiresAt };
  }
  return { ok: true, principal: result, expiresAt: undefined };
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
