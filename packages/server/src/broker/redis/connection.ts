import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { BrokerUnavailableError } from '../errors.js';
import type { RedisConnection } from './scripts.js';

/** How a Redis broker or publisher reaches Redis. */
export type RedisTarget =
  /** Connect to this URL (`redis://host:port/db`, `rediss://` for TLS), with extra ioredis options. */
  | { readonly url: string; readonly redisOptions?: RedisOptions }
  /** Use this connection (standalone `Redis` or `Cluster`); it stays open when the broker closes. */
  | { readonly redis: RedisConnection };

/**
 * Options for connections the broker opens itself. Publishes must fail fast while Redis is down
 * rather than wait in a queue and be acked late or twice: no offline queue, and no resending of
 * commands whose reply was lost with the connection (the caller retries with its idempotency key).
 */
export const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  lazyConnect: true,
};

/** Opens (or takes) the publishing connection; `owned` tells whether closing it is ours to do. */
export function openConnection(target: RedisTarget): { redis: RedisConnection; owned: boolean } {
  if ('redis' in target) return { redis: target.redis, owned: false };
  if (typeof target.url !== 'string') throw new TypeError('createRedisBroker needs { url } or { redis }');
  return { redis: new Redis(target.url, { ...target.redisOptions, ...FAIL_FAST }), owned: true };
}

/** Tells whether a connection is a Redis Cluster client. */
export function isCluster(redis: RedisConnection): boolean {
  return (redis as { isCluster?: boolean }).isCluster === true;
}

/**
 * Where a connection goes, for error messages: its URL with the password shown as `***`
 * (`redis://:***@10.0.0.5:6379/2`), or the nodes a cluster client knows.
 */
export function describeConnection(redis: RedisConnection): string {
  if (isCluster(redis)) {
    const nodes = (redis as Cluster).nodes().map((n) => `${n.options.host}:${n.options.port}`);
    return nodes.length > 0 ? `Redis Cluster (${nodes.join(', ')})` : 'Redis Cluster';
  }
  const o = (redis as Redis).options;
  if (o.path) return `Redis at ${o.path}`;
  const user = o.username ? encodeURIComponent(o.username) : '';
  const auth = o.password ? `${user}:***@` : user ? `${user}@` : '';
  const host = o.host?.includes(':') ? `[${o.host}]` : o.host;
  return `${o.tls ? 'rediss' : 'redis'}://${auth}${host}:${o.port}${o.db ? `/${o.db}` : ''}`;
}

/**
 * Resolves once `redis` is ready, connecting it when it waits for a lazy connect. Rejects after
 * `timeoutMs`, or when the connection ends, with an error naming where it tried to connect and
 * the last connection error (`ECONNREFUSED`, `WRONGPASS`, ...) as `cause`: "not ready" alone
 * leaves an operator guessing between a typo, a firewall and a wrong password.
 */
export function whenReady(redis: RedisConnection, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const failed = (what: string) => {
      const cause = lastError ? `: ${lastError.message}` : '';
      return new BrokerUnavailableError(`${describeConnection(redis)} ${what}${cause}`, { cause: lastError });
    };
    const timer = setTimeout(() => done(failed(`not ready within ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => done();
    const onEnd = () => done(failed('connection ended before it was ready'));
    const onError = (err: Error) => {
      lastError = err;
    };
    function done(err?: Error) {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
      redis.off('error', onError);
      if (err) reject(err);
      else resolve();
    }
    redis.on('ready', onReady);
    redis.on('end', onEnd);
    redis.on('error', onError);
    if (redis.status === 'wait') redis.connect().catch(() => {});
  });
}

/** Wraps a failed Redis call into the error publishers see. */
export function unavailable(what: string, err: unknown): BrokerUnavailableError {
  if (err instanceof BrokerUnavailableError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new BrokerUnavailableError(`${what}: Redis is unavailable (${reason})`, { cause: err });
}

const TARGET_KEYS = ['url', 'redisOptions', 'redis'];

/**
 * Splits `{ url | redis, ...options }` into the connection target and the options, merged with
 * options given separately. Unknown keys, and the same option given twice with different values,
 * are a `TypeError` (a silently ignored `prefix` splits a cluster in two: issue #10, case 7).
 */
export function splitTarget<O extends object>(
  where: string,
  arg: RedisTarget & O,
  known: readonly string[],
  separate?: O,
): { target: RedisTarget; options: O } {
  if (typeof arg !== 'object' || arg === null) throw new TypeError(`${where} needs { url } or { redis }`);
  const options: Record<string, unknown> = {};
  const target: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(arg)) {
    if (TARGET_KEYS.includes(key)) target[key] = value;
    else if (known.includes(key)) options[key] = value;
    else
      throw new TypeError(
        `${where}: unknown option "${key}" (known: ${[...TARGET_KEYS, ...known].join(', ')})`,
      );
  }
  for (const [key, value] of Object.entries(separate ?? {})) {
    if (!known.includes(key))
      throw new TypeError(`${where}: unknown option "${key}" (known: ${known.join(', ')})`);
    if (key in options && options[key] !== value) {
      throw new TypeError(`${where}: "${key}" given twice with different values`);
    }
    options[key] = value;
  }
  if ('url' in target === 'redis' in target)
    throw new TypeError(`${where} needs exactly one of { url } or { redis }`);
  return { target: target as RedisTarget, options: options as O };
}
