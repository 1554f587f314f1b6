/**
 * WebSocket close codes Hubbub uses. 1000–1013 are RFC 6455's; 4000–4999 are Hubbub's own and
 * mirror HTTP status numbers where one fits (as graphql-ws does).
 */
export const CloseCode = {
  /** Normal closure: the peer is done. The client does not reconnect. */
  Normal: 1000,
  /** Server shutting down or restarting: reconnect (to any instance), after the retry hint. */
  GoingAway: 1001,
  /** Protocol error at the WebSocket layer. */
  ProtocolError: 1002,
  /** Connection lost without a close frame. Reported locally, never sent on the wire. */
  Abnormal: 1006,
  /** Frame payload was not valid UTF-8 (text frames). */
  InvalidPayload: 1007,
  /** Generic policy violation. */
  Policy: 1008,
  /** A frame exceeded the server's `maxPayloadBytes`. */
  TooBig: 1009,
  /** The server hit an unexpected condition. */
  InternalError: 1011,
  /** The server is overloaded: try again later. */
  TryAgainLater: 1013,
  /** Too many malformed frames. */
  BadRequest: 4400,
  /** Authentication refused (bad or missing token). */
  Unauthorized: 4401,
  /** The principal may not use this server at all. */
  Forbidden: 4403,
  /** No `connect` frame within `connectTimeoutMs`. */
  ConnectTimeout: 4408,
  /** Closed by `hub.disconnectUser` to kick: the client reconnects (with a fresh token). */
  Kicked: 4409,
  /** Closed by `hub.disconnectUser` to revoke the user's access: final, the client stays closed. */
  Revoked: 4410,
  /** The token expired and was not refreshed in time. */
  TokenExpired: 4419,
  /** Sustained flooding past the inbound rate limit. */
  RateLimited: 4429,
  /** The connection's outbound buffer passed `maxBufferedBytes`: the client reads too slowly. */
  SlowConsumer: 4509,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Per-request failures, sent in `error` frames. The connection stays open. */
export const ErrorCode = {
  /** The frame was not valid JSON, not an object, or a field was missing or of the wrong type. */
  BadRequest: 'BAD_REQUEST',
  /** The frame's `type` is not one this protocol version knows. */
  UnknownType: 'UNKNOWN_TYPE',
  /**
   * The topic is a string that does not follow the topic grammar. A topic that is missing or not a
   * string is `BAD_REQUEST`, like any field of the wrong JSON type.
   */
  BadTopic: 'BAD_TOPIC',
  /** Anything but `connect` before authentication, or a second `connect`. */
  NotConnected: 'NOT_CONNECTED',
  /** A second `connect` on an authenticated connection. */
  AlreadyConnected: 'ALREADY_CONNECTED',
  /** `authorize` refused the action on the topic. */
  Forbidden: 'FORBIDDEN',
  /** The token of a `refresh` was refused. */
  Unauthorized: 'UNAUTHORIZED',
  /** The connection is already subscribed to the topic. */
  AlreadySubscribed: 'ALREADY_SUBSCRIBED',
  /** A `presence` request for a topic that has no presence. */
  NoPresence: 'NO_PRESENCE',
  /** Unsubscribe from a topic the connection is not subscribed to. */
  NotSubscribed: 'NOT_SUBSCRIBED',
  /** `maxSubscriptions` reached. */
  TooManySubscriptions: 'TOO_MANY_SUBSCRIPTIONS',
  /** Inbound rate limit exceeded; the frame was dropped. */
  RateLimited: 'RATE_LIMITED',
  /** The message is larger than allowed. */
  TooBig: 'TOO_BIG',
  /** The broker (e.g. Redis) cannot take the publish now. Nothing was published. */
  Unavailable: 'UNAVAILABLE',
  /**
   * The request may or may not have taken effect (e.g. the broker's link died with a publish in
   * flight). Retry a publish with the same idempotency key: it is then stored once.
   */
  OutcomeUnknown: 'OUTCOME_UNKNOWN',
  /** An unexpected server error while handling this request (also: a call's handler threw). */
  Internal: 'INTERNAL',
  /** A `call` names a method the server has no handler for. */
  UnknownMethod: 'UNKNOWN_METHOD',
  /** A call's handler did not finish within the server's `rpc.timeoutMs`; its late result is dropped. */
  Timeout: 'TIMEOUT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What a client should do after a close. */
export interface ReconnectAdvice {
  /** Whether to reconnect at all. */
  readonly reconnect: boolean;
  /**
   * How soon: `'backoff'` — the normal exponential backoff; `'immediate'` — at once (with a fresh
   * token); `'hint'` — the server's retry hint (a `goaway` frame), else backoff.
   */
  readonly delay: 'backoff' | 'immediate' | 'hint';
  /** Get a new token from the provider before reconnecting. */
  readonly refreshToken: boolean;
  /** Floor for the first delay, in ms, where the cause calls for a slower retry. */
  readonly minDelayMs: number;
}

/**
 * Tells a client, from a close code, whether to reconnect and how soon. The one place where the
 * server's close codes and the client's behaviour meet.
 */
export function reconnectAdvice(code: number): ReconnectAdvice {
  // Codes appear as numbers, named in the comments: every client bundle needs this function, and
  // reading them from CloseCode would make it carry the whole table too.
  // 4401 Unauthorized (the client asks its provider once more; a second refusal is final: client
  // logic) and 4419 TokenExpired: reconnect at once, with a fresh token.
  const refreshToken = code === 4401 || code === 4419;
  return {
    // 1000 Normal: the server meant to end the session (or the app called close()). 1002
    // ProtocolError, 1007 InvalidPayload, 1008 Policy, 4400 BadRequest, 4403 Forbidden: retrying
    // would send the same thing again and be refused again. 4410 Revoked: the app revoked the user
    // everywhere (hub.disconnectUser); coming back is its own decision, not the client's.
    reconnect: ![1000, 1002, 1007, 1008, 4400, 4403, 4410].includes(code),
    // 1001 GoingAway: the server's goaway frame says when.
    delay: refreshToken ? 'immediate' : code === 1001 ? 'hint' : 'backoff',
    refreshToken,
    // 4429 RateLimited, 1013 TryAgainLater: slow down. 4509 SlowConsumer: the client recovers what
    // it missed from history. Everything else (1006 lost, 1009 too big: the client drops oversize
    // frames before sending, 1011, 4408 connect timeout, codes this version does not know): plain
    // backoff.
    // 4409 Kicked: reconnect, but not at once, so a kick of every tab does not come back as one
    // thundering herd.
    minDelayMs: code === 4429 || code === 1013 ? 2_000 : code === 4509 || code === 4409 ? 1_000 : 0,
  };
}

/** True for close codes after which a client must not reconnect on its own. */
export function isFatalClose(code: number): boolean {
  return !reconnectAdvice(code).reconnect;
}
