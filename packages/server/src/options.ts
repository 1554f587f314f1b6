import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Broker } from './broker/broker.js';
import type { AuthenticateHook, AuthorizeHook } from './handlers/auth.js';
import { type Logger, resolveLogger } from './log/logger.js';
import { type MetricsOptions, resolveMetricsOption } from './metrics/hub-metrics.js';
import type { PresenceSetting } from './presence/tracker.js';

/** Limits the hub enforces per connection. */
export interface LimitsOptions {
  /**
   * Largest inbound frame, in bytes (after decompression). Bigger frames close the socket with 1009.
   * @default 65_536
   */
  readonly maxPayloadBytes?: number;
  /**
   * Sustained inbound frames per second per connection (token bucket refill rate).
   * @default 100
   */
  readonly publishRate?: number;
  /**
   * Frames a connection may send in a burst above the rate (token bucket size).
   * @default 200
   */
  readonly publishBurst?: number;
  /**
   * Frames dropped by the rate limit before the connection is closed with 4429. The count
   * resets once the bucket is full again.
   * @default 50
   */
  readonly maxRateLimitStrikes?: number;
  /**
   * Topics one connection may subscribe to.
   * @default 256
   */
  readonly maxSubscriptions?: number;
  /**
   * Outbound bytes a connection may have queued (`bufferedAmount`) before it is closed as a slow
   * consumer (4509).
   * @default 4_194_304 // 4 MiB
   */
  readonly maxBufferedBytes?: number;
  /**
   * Time from socket open to a successful `connect`; past it the socket is closed with 4408.
   * @default 10_000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Malformed frames (bad JSON, unknown type, wrong fields) tolerated before closing with 4400.
   * @default 10
   */
  readonly maxMalformedFrames?: number;
  /**
   * Most open sockets; further upgrades are answered with HTTP 503.
   * @default Infinity
   */
  readonly maxConnections?: number;
  /**
   * Standalone server only: time allowed to receive the HTTP request headers of an upgrade
   * (Node's `headersTimeout`); a slow request is dropped.
   * @default 10_000
   */
  readonly headersTimeoutMs?: number;
  /**
   * How long a closing socket waits for the peer's close frame before it is destroyed.
   * @default 5_000
   */
  readonly closeTimeoutMs?: number;
}

/** Heartbeat timing. */
export interface HeartbeatOptions {
  /**
   * Interval of the server's pings (a protocol `ping` frame plus a WebSocket ping frame). Well
   * under nginx's 60 s `proxy_read_timeout`.
   * @default 25_000
   */
  readonly intervalMs?: number;
  /**
   * How long a ping may wait for any answer (protocol `pong`, WebSocket pong, or any frame)
   * before the socket is terminated.
   * @default 10_000
   */
  readonly timeoutMs?: number;
}

/** What each topic keeps for replay. */
export interface HistoryConfig {
  /**
   * Messages kept per topic.
   * @default 100
   */
  readonly size?: number;
  /**
   * How long a message stays replayable, in ms.
   * @default 300_000 // 5 minutes
   */
  readonly ttlMs?: number;
}

/** Calls (`hub.handle`). */
export interface RpcOptions {
  /**
   * Longest a handler may take. Past it the caller gets `TIMEOUT` and the handler's late result
   * is dropped (the handler itself is not stopped). `Infinity`: no bound.
   * @default 10_000
   */
  readonly timeoutMs?: number;
}

/** permessage-deflate settings, when compression is turned on. */
export interface DeflateOptions {
  /**
   * Messages smaller than this are sent uncompressed.
   * @default 1024
   */
  readonly threshold?: number;
  /**
   * zlib compression level (0–9).
   * @default 3
   */
  readonly level?: number;
}

/** Options of {@link createServer}. Exactly one of `port`, `server` and `noServer` is required. */
export interface ServerOptions {
  /** Standalone: port to listen on (0 picks a free one). */
  readonly port?: number;
  /**
   * Standalone: address to listen on. Without it the hub listens where Node's
   * `server.listen(port)` does, on every interface: `::` where the machine has IPv6 (which takes
   * IPv4 connections too), else `0.0.0.0`. `'127.0.0.1'` keeps it to this machine.
   * @default undefined // every interface
   */
  readonly host?: string;
  /** Attach to an existing `http` or `https` server (its other routes and upgrade paths keep working). */
  readonly server?: HttpServer | HttpsServer;
  /** Accept sockets only through {@link Hub.handleUpgrade}. */
  readonly noServer?: boolean;
  /**
   * Only upgrades to this path are handled. Without it every path is.
   * @default undefined
   */
  readonly path?: string;
  /**
   * Browser origins allowed to connect (exact match), or a predicate. Others get HTTP 403 before
   * any upgrade. Requests without an `Origin` header (non-browser clients) are not checked.
   * @default undefined // every origin
   */
  readonly allowedOrigins?: readonly string[] | ((origin: string) => boolean);
  /** Authenticates a connection from its `connect` frame. @default accepts everyone as principal `null` */
  readonly authenticate?: AuthenticateHook;
  /** Allows or refuses subscribe and publish per topic. @default allows everything */
  readonly authorize?: AuthorizeHook;
  /** Carries messages and history. @default an in-memory broker (one instance) */
  readonly broker?: Broker;
  /** Per-topic history kept for replay. */
  readonly history?: HistoryConfig;
  /** Server pings and their deadline. */
  readonly heartbeat?: HeartbeatOptions;
  /** Per-connection limits. */
  readonly limits?: LimitsOptions;
  /** Calls from clients to `hub.handle` handlers. */
  readonly rpc?: RpcOptions;
  /**
   * Presence (who is subscribed, with join and leave events): on every topic (`true`), on the
   * topics a function picks, or off. Costs a broker write per subscribe and unsubscribe.
   * @default false
   */
  readonly presence?: PresenceSetting;
  /**
   * How long a member whose connection was lost (or kicked, or whose server shut down) stays
   * before its `leave`. A client that subscribes again within it replaces the member: one `join`
   * with `replaces`, no `leave`. 0 turns the grace off.
   * @default heartbeat.intervalMs + heartbeat.timeoutMs // 35 s
   */
  readonly presenceGraceMs?: number;
  /**
   * permessage-deflate: off, or on (with optional settings). Inflated frames are bounded by
   * `limits.maxPayloadBytes`.
   * @default false
   */
  readonly perMessageDeflate?: boolean | DeflateOptions;
  /**
   * Time a token may stay in use past the expiry `authenticate` returned before the connection
   * is closed with 4419.
   * @default 5_000
   */
  readonly tokenGraceMs?: number;
  /**
   * How long an idempotency key of a client publish is remembered.
   * @default 120_000
   */
  readonly idempotencyTtlMs?: number;
  /**
   * Spread of the retry hint sent in `goaway` before a shutdown: each client gets a random delay
   * in `[0, goAwaySpreadMs)` so they don't all reconnect in the same millisecond.
   * @default 5_000
   */
  readonly goAwaySpreadMs?: number;
  /**
   * Send the error's message as the close reason and in `INTERNAL` error frames when a hook throws.
   * Off in production so internals do not leak.
   * @default process.env.NODE_ENV !== 'production'
   */
  readonly exposeErrors?: boolean;
  /**
   * Prometheus metrics (prom-client), read with `hub.metrics()` and, on a standalone hub, served at
   * `GET /metrics`. `false` turns them off; an object names the registry (yours, to serve them
   * with your app's) and the name prefix.
   * @default true // a registry of the hub's own, names prefixed `hubbub_`
   */
  readonly metrics?: boolean | MetricsOptions;
  /**
   * Where the hub logs what an operator should see (start, broker down and up, history repairs,
   * drain, hook errors, slow consumers in aggregate): a pino logger or any object with pino's
   * `info`, `warn` and `error` (`(obj, msg)`). Tokens and payloads are never logged.
   * @default errors only, to `console.error` (and to `error` listeners when there are some)
   */
  readonly logger?: Logger;
}

/** Upgrade request as handed to hooks. */
export type UpgradeRequest = IncomingMessage;

/** Every limit with its default applied. */
export type ResolvedLimits = Required<LimitsOptions>;

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxPayloadBytes: 65_536,
  publishRate: 100,
  publishBurst: 200,
  maxRateLimitStrikes: 50,
  maxSubscriptions: 256,
  maxBufferedBytes: 4 * 1024 * 1024,
  connectTimeoutMs: 10_000,
  maxMalformedFrames: 10,
  maxConnections: Number.POSITIVE_INFINITY,
  headersTimeoutMs: 10_000,
  closeTimeoutMs: 5_000,
};

export const DEFAULT_HEARTBEAT: Required<HeartbeatOptions> = { intervalMs: 25_000, timeoutMs: 10_000 };
export const DEFAULT_HISTORY: Required<HistoryConfig> = { size: 100, ttlMs: 300_000 };

/** Default `idempotencyTtlMs` of a hub, and of `createPublisher`: 2 minutes. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 120_000;
export const DEFAULT_RPC: Required<RpcOptions> = { timeoutMs: 10_000 };

/** Options after defaults and checks. */
export interface ResolvedOptions {
  readonly mode: 'standalone' | 'attached' | 'noServer';
  readonly port: number;
  readonly host: string | undefined;
  readonly server: HttpServer | HttpsServer | undefined;
  readonly path: string | undefined;
  readonly allowedOrigins: ServerOptions['allowedOrigins'];
  readonly authenticate: AuthenticateHook | undefined;
  readonly authorize: AuthorizeHook | undefined;
  readonly broker: Broker | undefined;
  readonly history: Required<HistoryConfig>;
  readonly heartbeat: Required<HeartbeatOptions>;
  readonly limits: ResolvedLimits;
  readonly rpc: Required<RpcOptions>;
  readonly presence: PresenceSetting;
  readonly presenceGraceMs: number;
  readonly perMessageDeflate: false | Required<DeflateOptions>;
  readonly tokenGraceMs: number;
  readonly idempotencyTtlMs: number;
  readonly goAwaySpreadMs: number;
  readonly exposeErrors: boolean;
  readonly metrics: MetricsOptions | false;
  readonly logger: Logger | undefined;
}

/**
 * Throws a `TypeError` naming the first key of `value` that is not in `known`: a misspelt or
 * misplaced option is an error, never silently ignored (issue #10, case 7).
 */
export function checkKnownKeys(where: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new TypeError(`${where}: unknown option "${key}" (known: ${known.join(', ')})`);
    }
  }
}

function checkObject(where: string, value: unknown, known: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${where} must be an object`);
  }
  checkKnownKeys(where, value, known);
}

const SERVER_KEYS = [
  'port',
  'host',
  'server',
  'noServer',
  'path',
  'allowedOrigins',
  'authenticate',
  'authorize',
  'broker',
  'history',
  'heartbeat',
  'limits',
  'rpc',
  'presence',
  'presenceGraceMs',
  'perMessageDeflate',
  'tokenGraceMs',
  'idempotencyTtlMs',
  'goAwaySpreadMs',
  'exposeErrors',
  'metrics',
  'logger',
] as const;

/** Option names `createServer` accepts; features add theirs here. */
export const KNOWN_SERVER_OPTIONS: string[] = [...SERVER_KEYS];

function checkNumbers(where: string, values: object): void {
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new TypeError(`${where}.${key} must be a non-negative number`);
    }
  }
}

function checkHook(name: string, hook: unknown): void {
  if (hook !== undefined && typeof hook !== 'function') throw new TypeError(`"${name}" must be a function`);
}

function modeOf(o: ServerOptions): ResolvedOptions['mode'] {
  const given = [o.port !== undefined, o.server !== undefined, o.noServer === true].filter(Boolean).length;
  if (given !== 1) {
    throw new TypeError('One and only one of the "port", "server", or "noServer" options must be specified');
  }
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65_535)) {
    throw new TypeError('"port" must be an integer from 0 to 65535');
  }
  return o.port !== undefined ? 'standalone' : o.server ? 'attached' : 'noServer';
}

function resolveDeflate(value: ServerOptions['perMessageDeflate']): ResolvedOptions['perMessageDeflate'] {
  if (!value) return false;
  const d = value === true ? {} : value;
  return { threshold: d.threshold ?? 1024, level: d.level ?? 3 };
}

/** Applies defaults and checks every option; misuse throws a `TypeError`. */
export function resolveOptions(o: ServerOptions): ResolvedOptions {
  if (typeof o !== 'object' || o === null) throw new TypeError('createServer() needs an options object');
  checkKnownKeys('createServer() options', o, KNOWN_SERVER_OPTIONS);
  checkObject('limits', o.limits, Object.keys(DEFAULT_LIMITS));
  checkObject('heartbeat', o.heartbeat, Object.keys(DEFAULT_HEARTBEAT));
  checkObject('history', o.history, Object.keys(DEFAULT_HISTORY));
  checkObject('rpc', o.rpc, Object.keys(DEFAULT_RPC));
  if (typeof o.perMessageDeflate === 'object')
    checkObject('perMessageDeflate', o.perMessageDeflate, ['threshold', 'level']);
  const mode = modeOf(o);
  if (o.path !== undefined && (typeof o.path !== 'string' || !o.path.startsWith('/'))) {
    throw new TypeError('"path" must be a string starting with "/"');
  }
  const origins = o.allowedOrigins;
  if (origins !== undefined && typeof origins !== 'function' && !Array.isArray(origins)) {
    throw new TypeError('"allowedOrigins" must be an array of origins or a function');
  }
  checkHook('authenticate', o.authenticate);
  checkHook('authorize', o.authorize);
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const heartbeat = { ...DEFAULT_HEARTBEAT, ...o.heartbeat };
  const history = { ...DEFAULT_HISTORY, ...o.history };
  checkNumbers('limits', limits);
  checkNumbers('heartbeat', heartbeat);
  checkNumbers('history', history);
  const rpc = { ...DEFAULT_RPC, ...o.rpc };
  checkNumbers('rpc', rpc);
  if (rpc.timeoutMs < 1) throw new TypeError('rpc.timeoutMs must be at least 1');
  if (heartbeat.intervalMs < 1 || limits.publishRate <= 0 || limits.publishBurst < 1) {
    throw new TypeError('heartbeat.intervalMs, limits.publishRate and limits.publishBurst must be positive');
  }
  const rest = {
    tokenGraceMs: o.tokenGraceMs ?? 5_000,
    idempotencyTtlMs: o.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS,
    goAwaySpreadMs: o.goAwaySpreadMs ?? 5_000,
    presenceGraceMs: o.presenceGraceMs ?? heartbeat.intervalMs + heartbeat.timeoutMs,
  };
  checkNumbers('options', rest);
  const presence = o.presence ?? false;
  if (typeof presence !== 'boolean' && typeof presence !== 'function') {
    throw new TypeError('"presence" must be true, false or a function (topic) => boolean');
  }
  return {
    mode,
    port: o.port ?? 0,
    host: o.host,
    server: o.server,
    path: o.path,
    allowedOrigins: origins,
    authenticate: o.authenticate,
    authorize: o.authorize,
    broker: o.broker,
    history,
    heartbeat,
    limits,
    rpc,
    presence,
    perMessageDeflate: resolveDeflate(o.perMessageDeflate),
    ...rest,
    exposeErrors: o.exposeErrors ?? process.env.NODE_ENV !== 'production',
    metrics: resolveMetricsOption(o.metrics),
    logger: resolveLogger(o.logger),
  };
}
