import type { HeartbeatOptions, HistoryConfig, LimitsOptions } from '@hubbub/server';

/** Actions a topic rule can allow. */
export type RuleAction = 'subscribe' | 'publish' | 'presence';

/**
 * One topic permission rule. The first rule whose `topic` pattern matches decides; a topic no rule
 * matches is refused.
 */
export interface TopicRule {
  /**
   * Topic pattern: the topic grammar's characters, plus `*` (one segment: any run of characters
   * without `.`, `:` or `/`), `**` (any run of characters, at the end only) and `{userId}` (exactly
   * the connection's user id: personal topics such as `user.{userId}`).
   */
  readonly topic: string;
  /** Actions allowed on matching topics; the others are refused. */
  readonly allow: readonly RuleAction[];
}

/** How tokens are verified. Exactly one of `secret`, `publicKey`, `publicKeyFile`, `jwksUrl`, `jwksFile`. */
export interface JwtConfig {
  /** HS256 shared secret (at least 32 characters). */
  readonly secret?: string;
  /** PEM public key (SPKI): RSA for RS256, P-256 for ES256, Ed25519 for EdDSA. */
  readonly publicKey?: string;
  /** File holding the PEM public key. */
  readonly publicKeyFile?: string;
  /** URL of a JSON Web Key Set, fetched and cached (keys picked by `kid`). */
  readonly jwksUrl?: string;
  /** File holding a JSON Web Key Set. */
  readonly jwksFile?: string;
  /**
   * Accepted `alg` values.
   * @default ['HS256'] for a secret; from the key type for a public key; ['RS256', 'ES256'] for a JWKS
   */
  readonly algorithms?: readonly string[];
  /** Required `aud` (one of them, when a list). @default undefined // not checked */
  readonly audience?: string | readonly string[];
  /** Required `iss` (one of them, when a list). @default undefined // not checked */
  readonly issuer?: string | readonly string[];
  /**
   * Leeway for `exp` and `nbf`, in seconds.
   * @default 0
   */
  readonly clockToleranceSec?: number;
}

/** The standalone server's whole configuration, after defaults. */
export interface StandaloneConfig {
  /**
   * Port to listen on (0 picks a free one).
   * @default 3000
   */
  readonly port: number;
  /**
   * Address to listen on.
   * @default '0.0.0.0'
   */
  readonly host: string;
  /** Only upgrades to this path are WebSockets. @default undefined // every path */
  readonly path: string | undefined;
  /** Redis URL; several servers on one Redis form a cluster. @default undefined // in-memory broker */
  readonly redisUrl: string | undefined;
  /**
   * Prefix of Redis keys and channels.
   * @default 'hubbub'
   */
  readonly redisPrefix: string;
  /** History kept per topic. @default the server SDK's: { size: 100, ttlMs: 300_000 } */
  readonly history: HistoryConfig;
  /** Server pings and their deadline. @default the server SDK's */
  readonly heartbeat: HeartbeatOptions;
  /**
   * How long an idempotency key of a publish (WebSocket or HTTP API) is remembered, in ms.
   * @default 120_000 // 2 minutes
   */
  readonly idempotencyTtlMs: number | undefined;
  /** Per-connection limits (any key of the server SDK's `limits`). @default the server SDK's */
  readonly limits: LimitsOptions;
  /** Browser origins allowed to connect. @default undefined // every origin */
  readonly allowedOrigins: readonly string[] | undefined;
  /** Token verification. @default undefined // every connection accepted, anonymous */
  readonly jwt: JwtConfig | undefined;
  /** Topic permission rules. @default undefined // every action allowed on every topic */
  readonly rules: readonly TopicRule[] | undefined;
  /**
   * Presence (who is subscribed, with join and leave): on every topic (`true`), on the topics
   * matching these patterns (`*` and `**` as in rules), or off.
   * @default false
   */
  readonly presence: boolean | readonly string[];
  /** How long a lost member stays before its `leave`, in ms. @default the server SDK's (35 s) */
  readonly presenceGraceMs: number | undefined;
  /** Key of the HTTP API (`Authorization: Bearer <key>`), at least 16 characters. @default undefined // no HTTP API */
  readonly apiKey: string | undefined;
  /**
   * Largest HTTP API request body, in bytes.
   * @default 1_048_576 // 1 MiB
   */
  readonly apiMaxBodyBytes: number;
  /**
   * Serve Prometheus metrics at `GET /metrics`.
   * @default true
   */
  readonly metrics: boolean;
  /**
   * How long SIGTERM waits for clients to leave and publishes to finish, in ms.
   * @default 5_000
   */
  readonly drainMs: number;
  /**
   * Lowest level logged (JSON lines on stdout).
   * @default 'info'
   */
  readonly logLevel: LogLevel;
}

/** Levels of the standalone server's log. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
