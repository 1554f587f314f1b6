import type { ErrorCode } from './codes.js';

/**
 * A topic's position: the epoch of its history and the offset of a message in it. Offsets start
 * at 1 and grow by one per message; offset 0 means "before the first message". A new epoch means
 * the history was lost (restart, Redis flush): offsets from another epoch say nothing.
 */
export interface Position {
  readonly epoch: string;
  readonly offset: number;
}

/** Payloads: any JSON value, or bytes (sent in binary frames, never as base64). */
export type Payload = unknown;

/** What each topic's history keeps for replay, as announced in `welcome`. */
export interface AnnouncedHistory {
  /** Messages kept per topic. */
  readonly size: number;
  /** How long a message stays replayable, in ms. */
  readonly ttlMs: number;
}

/**
 * Limits the server enforces, announced in `welcome` so a client can stay within them. The first
 * four are always sent. The others are sent by servers of this release when they are finite; a
 * client must accept a `welcome` without them (an older server, or no limit).
 */
export interface AnnouncedLimits {
  /** Largest frame the server accepts, in bytes (text, or binary with its header). */
  readonly maxPayloadBytes: number;
  /** Sustained inbound frames per second per connection (every frame counts, `ping` too). */
  readonly publishRate: number;
  /** Size of the inbound token bucket: frames a connection may send back to back. */
  readonly publishBurst: number;
  /** Most topics one connection may subscribe to. */
  readonly maxSubscriptions: number;
  /** Time from socket open to `welcome`; past it the server closes with 4408. */
  readonly connectTimeoutMs?: number;
  /**
   * How long the server waits for any frame (or WebSocket pong) after its ping before it drops the
   * connection without a close frame.
   */
  readonly heartbeatTimeoutMs?: number;
  /** How long past the token's expiry (`ttlMs`) the server waits for a `refresh` before 4419. */
  readonly tokenGraceMs?: number;
  /** Refusals that count as malformed (see PROTOCOL.md) after which the server closes with 4400. */
  readonly maxMalformedFrames?: number;
  /**
   * Frames the rate limit may drop before the next drop closes the connection with 4429; the
   * count starts over once an accepted frame finds the bucket (nearly) full again.
   */
  readonly maxRateLimitStrikes?: number;
  /** How long a publish's idempotency key is remembered, in ms. */
  readonly idempotencyTtlMs?: number;
  /**
   * What each topic's history keeps at least: how far back `since` and `last` can reach (a topic
   * written by servers with larger settings keeps more).
   */
  readonly history?: AnnouncedHistory;
}

// ---- client -> server ------------------------------------------------------------------------

/** First frame after open: authenticates the connection. */
export interface ConnectMessage {
  readonly type: 'connect';
  readonly token?: string;
  /**
   * Id of the client instance (1–64 of `A-Z a-z 0-9 _ -`), the same across its reconnects. It scopes
   * the idempotency keys of an anonymous connection (one without a `userId`), so a publish resent
   * after a reconnect is still recognised.
   */
  readonly client?: string;
}
/** Subscribe to a topic, optionally resuming after a position or asking for the last N messages. */
export interface SubscribeMessage {
  readonly type: 'sub';
  readonly id: number;
  readonly topic: string;
  readonly since?: Position;
  readonly last?: number;
}
export interface UnsubscribeMessage {
  readonly type: 'unsub';
  readonly id: number;
  readonly topic: string;
}
/** Publish `data` to `topic`. `key` makes retries idempotent. */
export interface PublishMessage {
  readonly type: 'pub';
  readonly id: number;
  readonly topic: string;
  readonly data: Payload;
  readonly key?: string;
}
/** A new token for the running connection. */
export interface RefreshMessage {
  readonly type: 'refresh';
  readonly id: number;
  readonly token: string;
}
/**
 * Calls the application's handler for `method` on the server (`hub.handle`). Answered on this
 * connection by one `result` (the handler's value, or the `RpcError` it threw) or one `error`.
 */
export interface CallMessage {
  readonly type: 'call';
  readonly id: number;
  /** Method name, in the topic grammar. */
  readonly method: string;
  /** Argument of the handler: any JSON value, or bytes (binary frame). Absent: `undefined`. */
  readonly data?: Payload;
}
/**
 * Asks who is present on a topic the connection subscribes to (a presence-enabled one): the
 * members, or with `stats` only their counts. Answered by one `presence` frame or an `error`.
 */
export interface PresenceRequestMessage {
  readonly type: 'presence';
  readonly id: number;
  readonly topic: string;
  /** Only the counts, without the members. */
  readonly stats?: boolean;
}
export interface PingMessage {
  readonly type: 'ping';
}
export interface PongMessage {
  readonly type: 'pong';
}

export type ClientMessage =
  | ConnectMessage
  | SubscribeMessage
  | UnsubscribeMessage
  | PublishMessage
  | RefreshMessage
  | PresenceRequestMessage
  | CallMessage
  | PingMessage
  | PongMessage;

// ---- server -> client ------------------------------------------------------------------------

/** Answer to a successful `connect`. */
export interface WelcomeMessage {
  readonly type: 'welcome';
  /** Session id, unique per connection. */
  readonly sid: string;
  /** The server sends a `ping` at least this often; silence for longer means a dead link. */
  readonly heartbeatMs: number;
  /** Milliseconds until the token expires, when `authenticate` gave an expiry. */
  readonly ttlMs?: number;
  readonly limits: AnnouncedLimits;
}
/**
 * Answer to `sub`. Sent before any message of the subscription: replayed messages (flagged
 * `replayed`) follow it, then live ones.
 */
export interface SubscribedMessage {
  readonly type: 'subscribed';
  readonly id: number;
  readonly topic: string;
  /** Topic position the subscription starts after (the last replayed message, if any). */
  readonly position: Position;
  /** With `since`: true when every missed message follows; false when the gap cannot be filled. */
  readonly recovered: boolean;
  /** How many replayed messages follow. */
  readonly replayed: number;
  /** True when the topic has presence: `join`/`leave` frames follow and `presence` requests work. */
  readonly presence?: boolean;
}
export interface UnsubscribedMessage {
  readonly type: 'unsubscribed';
  readonly id: number;
  readonly topic: string;
}
/** Success of a `pub` (with its offset and epoch) or a `refresh` (with the new ttl). */
export interface AckMessage {
  readonly type: 'ack';
  readonly id: number;
  readonly offset?: number;
  readonly epoch?: string;
  readonly ttlMs?: number;
}
/** A request failed, or a frame was refused. `id` names the request when there was one. */
export interface ErrorMessage {
  readonly type: 'error';
  readonly id?: number;
  readonly code: ErrorCode;
  readonly message: string;
}
/** What a handler refused a call with: the code, message and data of the `RpcError` it threw. */
export interface RpcFailure {
  /** The application's code (not one of Hubbub's `ErrorCode`s, though it may look like one). */
  readonly code: string;
  readonly message: string;
  /** JSON detail the handler attached. */
  readonly data?: Payload;
}
/**
 * Answer to a `call` whose handler finished: `data` is what it returned (absent for `undefined`;
 * bytes travel in a binary frame), or `error` what it refused with.
 */
export interface ResultMessage {
  readonly type: 'result';
  readonly id: number;
  readonly data?: Payload;
  readonly error?: RpcFailure;
}
/** One subscriber of a presence-enabled topic, on any instance. */
export interface PresenceMember {
  /** Session id of the member's connection (one per tab or device). */
  readonly sid: string;
  /** The user the connection belongs to, when `authenticate` named one. */
  readonly userId?: string;
  /** What `authenticate` gave to show to others (a small JSON value, usually an object). */
  readonly info?: unknown;
}
/** Answer to a `presence` request: the counts, and the members unless only `stats` were asked. */
export interface PresenceMessage {
  readonly type: 'presence';
  readonly id: number;
  readonly topic: string;
  /** Members (connections) present. */
  readonly connections: number;
  /** Distinct users among them; an anonymous client instance counts as one. */
  readonly users: number;
  readonly members?: readonly PresenceMember[];
}
/**
 * A member joined a presence-enabled topic. `replaces`: the sid of a member of the same client
 * whose connection was lost and came back within the grace period: the app swaps them, no one
 * left.
 */
export interface JoinMessage {
  readonly type: 'join';
  readonly topic: string;
  readonly member: PresenceMember;
  readonly replaces?: string;
}
/** A member left a presence-enabled topic (unsubscribed, disconnected, or lost past the grace). */
export interface LeaveMessage {
  readonly type: 'leave';
  readonly topic: string;
  readonly member: PresenceMember;
}
/** A message published on a topic. */
export interface DataMessage {
  readonly type: 'msg';
  readonly topic: string;
  readonly offset: number;
  readonly epoch: string;
  readonly data: Payload;
  /** True for messages replayed from history after a `sub` with `since` or `last`. */
  readonly replayed?: boolean;
}
/** Sent before a 1001 close: when to reconnect. */
export interface GoAwayMessage {
  readonly type: 'goaway';
  readonly retryMs: number;
}

export type ServerMessage =
  | WelcomeMessage
  | SubscribedMessage
  | UnsubscribedMessage
  | AckMessage
  | ErrorMessage
  | ResultMessage
  | DataMessage
  | PresenceMessage
  | JoinMessage
  | LeaveMessage
  | GoAwayMessage
  | PingMessage
  | PongMessage;

export type ClientMessageType = ClientMessage['type'];
export type ServerMessageType = ServerMessage['type'];
/** The client message of a given type. */
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;
/** The server message of a given type. */
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;
