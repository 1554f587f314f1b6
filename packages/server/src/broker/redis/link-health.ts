import { BrokerUnavailableError } from '../errors.js';
import type { RedisConnection } from './scripts.js';

/** How a Redis broker or publisher checks that its connections are alive. */
export interface HealthCheckOptions {
  /**
   * How often each connection is sent a `PING`, in ms.
   * @default 1_000
   */
  readonly intervalMs?: number;
  /**
   * How long a `PING` may wait for its answer, in ms. Past it the link is taken for dead: the
   * connection is dropped and reconnected, the broker is unready and publishes fail fast until
   * Redis answers again. A dead link is noticed within `intervalMs + timeoutMs`.
   * @default 2_000
   */
  readonly timeoutMs?: number;
}

/** Defaults of {@link HealthCheckOptions}. */
export const DEFAULT_HEALTH_CHECK: Required<HealthCheckOptions> = { intervalMs: 1_000, timeoutMs: 2_000 };

/** A call in flight that must not outlive the link it was sent on. */
interface Tracked {
  readonly link: RedisConnection;
  readonly reject: (err: Error) => void;
  readonly what: string;
  readonly outcomeUnknown: boolean;
}

interface Probe {
  timer: NodeJS.Timeout | undefined;
}

/**
 * Detects a dead Redis link within a bound, where TCP would take minutes: a link frozen without a
 * FIN (a partition) keeps the socket open and ioredis `ready`, so publishes would hang and be
 * acked after the thaw — after the app was told they failed (issue 10, case 9). Every `intervalMs`
 * each ready connection gets a `PING`; one left unanswered for `timeoutMs` drops the connection
 * (`disconnect(true)`: ioredis reconnects by itself, and the owner sees it unready until then) and
 * rejects every call {@link track}ed on it — a publish as outcome unknown, since it may have
 * reached Redis.
 */
export class LinkHealth {
  readonly #links: () => readonly RedisConnection[];
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #probes = new Map<RedisConnection, Probe>();
  readonly #tracked = new Set<Tracked>();
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param links the connections to watch, read on every round
   * @param slackMs added to the timeout: a `PING` queued behind a `WAIT` may wait that long too
   */
  constructor(links: () => readonly RedisConnection[], options: HealthCheckOptions, slackMs = 0) {
    const { intervalMs, timeoutMs } = { ...DEFAULT_HEALTH_CHECK, ...options };
    if (!(intervalMs > 0 && timeoutMs > 0)) {
      throw new TypeError('healthCheck needs intervalMs > 0 and timeoutMs > 0');
    }
    this.#links = links;
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs + slackMs;
  }

  /** Starts probing; timers never keep the process alive. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#round(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops probing and forgets every tracked call. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const probe of this.#probes.values()) clearTimeout(probe.timer);
    this.#probes.clear();
    this.#tracked.clear();
  }

  /**
   * Settles as `call` (sent on `link`) does, or rejects once a probe finds `link` dead while it is
   * in flight: with `outcomeUnknown` for a write that may have reached Redis.
   */
  track<T>(link: RedisConnection, call: Promise<T>, what: string, outcomeUnknown: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Tracked = { link, reject, what, outcomeUnknown };
      this.#tracked.add(entry);
      call.then(
        (value) => {
          this.#tracked.delete(entry);
          resolve(value);
        },
        (err: unknown) => {
          this.#tracked.delete(entry);
          reject(err);
        },
      );
    });
  }

  #round(): void {
    for (const link of this.#links()) {
      if (link.status !== 'ready' || this.#probes.has(link)) continue;
      const probe: Probe = { timer: undefined };
      this.#probes.set(link, probe);
      probe.timer = setTimeout(() => this.#deadline(link, probe), this.#timeoutMs);
      probe.timer.unref();
      link.ping().then(
        () => this.#answered(link, probe),
        () => this.#answered(link, probe),
      );
    }
  }

  /** An answer (or an error reply: Redis is there) ends the probe. */
  #answered(link: RedisConnection, probe: Probe): void {
    clearTimeout(probe.timer);
    if (this.#probes.get(link) === probe) this.#probes.delete(link);
  }

  /**
   * The deadline passed. After a stall of this process (a long GC pause, a CPU-bound handler) the
   * timer fires before the poll phase reads an answer already waiting in the socket: judge only
   * after that phase (`setImmediate`), so a stalled event loop is not taken for a dead link.
   */
  #deadline(link: RedisConnection, probe: Probe): void {
    setImmediate(() => this.#dead(link, probe));
  }

  #dead(link: RedisConnection, probe: Probe): void {
    if (this.#probes.get(link) !== probe) return;
    this.#probes.delete(link);
    const failed = [...this.#tracked].filter((call) => call.link === link);
    for (const call of failed) this.#tracked.delete(call);
    const why = `Redis did not answer a PING within ${this.#timeoutMs} ms`;
    for (const call of failed) {
      const outcome = call.outcomeUnknown ? ', its outcome is unknown' : '';
      call.reject(
        new BrokerUnavailableError(`${call.what} failed${outcome}: ${why}`, {
          outcomeUnknown: call.outcomeUnknown,
        }),
      );
    }
    link.disconnect(true);
  }
}
