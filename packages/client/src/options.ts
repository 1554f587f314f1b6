import { BACKOFF_DEFAULTS, type BackoffOptions } from './backoff.js';
import type { WebSocketConstructor } from './transport.js';

/** A token, or a function that returns one (sync or async). Called on every connect and refresh. */
export type TokenProvider = string | (() => string | Promise<string>);

/** Reconnection policy. */
export interface ReconnectOptions extends BackoffOptions {
  /**
   * Failed attempts in a row after which the client gives up (`closed` + `RECONNECT_FAILED`).
   * @default Infinity
   */
  readonly maxAttempts: number;
  /**
   * A link that stays open this long resets the attempt count (and so the backoff).
   * @default 5_000
   */
  readonly stableAfterMs: number;
}

/** Dead-link detection. */
export interface HeartbeatOptions {
  /**
   * Silence from the server after which the link counts as dead.
   * @default the server's announced heartbeatMs plus half of it (at least 1 s more)
   */
  readonly timeoutMs?: number;
}

/** Outbound flow control. */
export interface SendQueueOptions {
  /**
   * Sending pauses while the socket's `bufferedAmount` is at or above this many bytes.
   * @default 262_144 // 256 KiB
   */
  readonly highWaterMark: number;
  /**
   * Most publishes waiting for their ack (queued or in flight). Past it `publish()` rejects
   * with `QUEUE_FULL`; accepted publishes are never dropped.
   * @default 1_000
   */
  readonly maxQueued: number;
  /**
   * Frames per second the client sends at most (> 0); never more than 80% of the server's
   * announced `publishRate`, so frames that reach the server bunched up still fit its bucket.
   * @default 80% of the server's announced publishRate
   */
  readonly ratePerSecond?: number;
  /**
   * Frames the client may send back to back before pacing starts (>= 1); never more than a quarter
   * of the server's announced `publishBurst` (but at least 1).
   * @default a quarter of the server's announced publishBurst (at least 1); 1 with `ratePerSecond`
   */
  readonly burst?: number;
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** `ws://` or `wss://` URL of the server. */
  readonly url: string;
  /** Sent in the `connect` frame. */
  readonly token?: TokenProvider;
  readonly reconnect?: Partial<ReconnectOptions>;
  readonly heartbeat?: HeartbeatOptions;
  readonly sendQueue?: Partial<SendQueueOptions>;
  /**
   * WebSocket constructor.
   * @default the platform's `WebSocket`; `ws` in Node when there is no global one
   */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * Time the server has to acknowledge a publish once it was sent.
   * @default 10_000
   */
  readonly ackTimeoutMs?: number;
  /**
   * Time from starting a connection to the server's `welcome`.
   * @default 10_000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Time a `call()` has unless it says otherwise: waiting for a link, sending and the server's
   * handler. Longer than the server's default handler bound (`rpc.timeoutMs`, 10 s), so a slow
   * handler is reported by the server as `TIMEOUT`.
   * @default 15_000
   */
  readonly callTimeoutMs?: number;
  /**
   * Random source for backoff jitter, returns a number in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly url: string;
  readonly token: TokenProvider | undefined;
  readonly reconnect: ReconnectOptions;
  readonly heartbeat: HeartbeatOptions;
  readonly sendQueue: SendQueueOptions;
  readonly ackTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly callTimeoutMs: number;
  readonly random: () => number;
}

/** Default values of {@link ClientOptions}. */
export const DEFAULTS = {
  reconnect: { ...BACKOFF_DEFAULTS, maxAttempts: Infinity, stableAfterMs: 5_000 },
  sendQueue: { highWaterMark: 262_144, maxQueued: 1_000 },
  ackTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  callTimeoutMs: 15_000,
} as const;

/** Throws a TypeError naming a key of `o` that is not one of `keys`: no option is silently ignored. */
function known(where: string, o: object | undefined, keys: string): void {
  for (const k in o) if (!keys.split(' ').includes(k)) throw new TypeError(`${where}: unknown option "${k}"`);
}

/** Fills in defaults; throws a TypeError on options that cannot work, or that it does not know. */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  known(
    'createClient()',
    options,
    'url token reconnect heartbeat sendQueue WebSocket ackTimeoutMs connectTimeoutMs callTimeoutMs random',
  );
  known('reconnect', options?.reconnect, 'minDelayMs maxDelayMs factor jitter maxAttempts stableAfterMs');
  known('heartbeat', options?.heartbeat, 'timeoutMs');
  known('sendQueue', options?.sendQueue, 'highWaterMark maxQueued ratePerSecond burst');
  const url = options?.url;
  if (typeof url !== 'string' || !/^(wss?|https?):\/\//i.test(url)) {
    throw new TypeError('"url" must be a ws(s):// or http(s):// URL');
  }
  const reconnect = { ...DEFAULTS.reconnect, ...options.reconnect };
  const sendQueue = { ...DEFAULTS.sendQueue, ...options.sendQueue };
  // Written as positive tests so that NaN fails them too.
  if (!(reconnect.minDelayMs >= 0 && reconnect.maxDelayMs >= reconnect.minDelayMs && reconnect.factor >= 1)) {
    throw new TypeError('"reconnect" needs 0 <= minDelayMs <= maxDelayMs and factor >= 1');
  }
  // The client never sends faster than the server allows: no rate means the server's, not none.
  const { highWaterMark, maxQueued, ratePerSecond: rate = 1, burst = 1 } = sendQueue;
  if (!(highWaterMark > 0 && maxQueued > 0 && rate > 0 && burst >= 1)) {
    throw new TypeError('"sendQueue" needs highWaterMark, maxQueued and ratePerSecond > 0, burst >= 1');
  }
  return {
    url,
    token: options.token,
    reconnect,
    heartbeat: { ...options.heartbeat },
    sendQueue,
    ackTimeoutMs: options.ackTimeoutMs ?? DEFAULTS.ackTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    callTimeoutMs: options.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
    random: options.random ?? Math.random,
  };
}
