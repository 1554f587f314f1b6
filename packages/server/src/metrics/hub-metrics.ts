/**
 * Prometheus metrics of a hub, with prom-client. Most are read from the hub's plain counters when
 * Prometheus scrapes (no work on the hot paths); the rest are one increment per event that is
 * already rare (a close, a publish ack). Labels come only from bounded sets: never a topic, a
 * user or a session.
 */
import { CloseCode } from '@hubbub/protocol';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Counters } from '../stats.js';

/** Settings of the `metrics` option. */
export interface MetricsOptions {
  /**
   * Registry the hub's metrics are registered in: pass your app's to serve them with your own.
   * @default a new Registry per hub
   */
  readonly registry?: Registry;
  /**
   * Prefix of every metric name.
   * @default 'hubbub_'
   */
  readonly prefix?: string;
  /**
   * Upper bounds of the publish→ack and RPC duration histograms' buckets, in seconds.
   * @default [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
   */
  readonly publishBuckets?: readonly number[];
}

/** How a client call ended: answered, refused (`RpcError` or a throw), timed out, or no such method. */
export type RpcOutcome = 'ok' | 'error' | 'timeout' | 'unknown_method';

/** What the metrics read from the hub when scraped. */
export interface MetricsSource {
  readonly counters: Counters;
  connections(): number;
  subscriptions(): number;
  topics(): number;
  brokerUp(): boolean;
}

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Close codes counted by their own label; any other code is counted as `other`. */
const KNOWN_CODES = new Set<number>([...Object.values(CloseCode), 1005]);

/** Label of a close code: the code itself when Hubbub or RFC 6455 names it, else `other`. */
export function closeCodeLabel(code: number): string {
  return KNOWN_CODES.has(code) ? String(code) : 'other';
}

/** Checks the `metrics` option; `false` turns metrics off. */
export function resolveMetricsOption(value: unknown): MetricsOptions | false {
  if (value === undefined || value === true) return {};
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('"metrics" must be true, false or an object { registry, prefix, publishBuckets }');
  }
  const o = value as MetricsOptions;
  for (const key of Object.keys(o)) {
    if (!['registry', 'prefix', 'publishBuckets'].includes(key)) {
      throw new TypeError(`metrics: unknown option "${key}" (known: registry, prefix, publishBuckets)`);
    }
  }
  if (
    o.registry !== undefined &&
    typeof (o.registry as { registerMetric?: unknown }).registerMetric !== 'function'
  ) {
    throw new TypeError('metrics.registry must be a prom-client Registry');
  }
  if (
    o.prefix !== undefined &&
    (typeof o.prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(o.prefix))
  ) {
    throw new TypeError('metrics.prefix must be a valid Prometheus name prefix, e.g. "hubbub_"');
  }
  if (
    o.publishBuckets !== undefined &&
    (!Array.isArray(o.publishBuckets) || o.publishBuckets.some((b) => typeof b !== 'number' || !(b > 0)))
  ) {
    throw new TypeError('metrics.publishBuckets must be a list of positive numbers (seconds)');
  }
  return o;
}

type Registers = Registry[];
type NumericCounter = { [K in keyof Counters]: Counters[K] extends number ? K : never }[keyof Counters];

/** Gauges, read from the hub when scraped. */
const GAUGES: readonly [name: string, help: string, read: (s: MetricsSource) => number][] = [
  ['connections', 'Open WebSocket connections (authenticated or not).', (s) => s.connections()],
  ['subscriptions', 'Subscriptions over all local connections.', (s) => s.subscriptions()],
  ['topics', 'Topics with at least one local subscriber.', (s) => s.topics()],
  ['broker_up', '1 when the broker (Redis) can take publishes, else 0.', (s) => (s.brokerUp() ? 1 : 0)],
];

/** Counters that follow one of the hub's plain counters. */
const FOLLOWED: readonly [name: string, help: string, counter: NumericCounter][] = [
  ['messages_published_total', 'Messages published through this hub (clients and backend).', 'published'],
  ['messages_delivered_total', 'Live messages handed to local subscribers.', 'delivered'],
  ['messages_replayed_total', 'Messages replayed from history to subscribers catching up.', 'replayed'],
  ['gaps_total', 'Subscriptions told that what they missed could not be replayed (gap).', 'gaps'],
  ['messages_dropped_total', 'Messages not delivered because the subscriber was closed as slow.', 'dropped'],
  ['frames_in_total', 'Frames received from clients.', 'messagesIn'],
  ['frames_out_total', 'Frames sent to clients.', 'messagesOut'],
  ['slow_consumers_total', 'Connections closed as slow consumers (4509).', 'slowConsumers'],
  [
    'broker_repairs_total',
    'History repairs run by the broker: a gap in a topic feed, or catching up after a reconnect.',
    'brokerRepairs',
  ],
  [
    'broker_repaired_messages_total',
    'Messages the broker delivered from history while repairing gaps.',
    'repairedMessages',
  ],
];

function gauge(registers: Registers, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(read());
    },
  });
}

/**
 * A counter that follows plain counters of the hub (one per label value): it moves by the
 * difference at each scrape, so the hot paths keep their single `n++` and nothing else.
 */
function follow(
  registers: Registers,
  name: string,
  help: string,
  reads: Record<string, () => number>,
  label?: string,
): void {
  const last = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: label ? [label] : [],
    registers,
    collect() {
      for (const [value, read] of Object.entries(reads)) {
        const now = read();
        const delta = now - (last.get(value) ?? 0);
        last.set(value, now);
        if (label) this.inc({ [label]: value }, delta);
        else this.inc(delta);
      }
    },
  });
}

/** The prom-client objects of one hub. */
export class HubMetrics {
  readonly registry: Registry;
  readonly #disconnects: Counter<'code'>;
  readonly #publishAck: Histogram;
  readonly #rpcCalls: Counter<'outcome'>;
  readonly #rpcDuration: Histogram;

  constructor(source: MetricsSource, options: MetricsOptions) {
    const registry = options.registry ?? new Registry();
    const p = options.prefix ?? 'hubbub_';
    const registers = [registry];
    const c = source.counters;
    this.registry = registry;
    for (const [name, help, read] of GAUGES) gauge(registers, p + name, help, () => read(source));
    for (const [name, help, counter] of FOLLOWED) follow(registers, p + name, help, { '': () => c[counter] });
    follow(
      registers,
      `${p}frames_refused_total`,
      'Inbound frames refused, by reason.',
      { malformed: () => c.malformed, rate_limited: () => c.rateLimited, too_big: () => c.tooBig },
      'reason',
    );
    this.#disconnects = new Counter({
      name: `${p}disconnects_total`,
      help: 'Closed connections, by close code (codes Hubbub does not name are counted as "other").',
      labelNames: ['code'],
      registers,
    });
    const buckets = [...(options.publishBuckets ?? DEFAULT_BUCKETS)];
    this.#publishAck = new Histogram({
      name: `${p}publish_ack_seconds`,
      help: 'Time from the broker publish of a client publish to its ack.',
      buckets,
      registers,
    });
    this.#rpcCalls = new Counter({
      name: `${p}rpc_calls_total`,
      help: 'Client calls (hub.handle), by outcome: ok, error, timeout, unknown_method.',
      labelNames: ['outcome'],
      registers,
    });
    this.#rpcDuration = new Histogram({
      name: `${p}rpc_duration_seconds`,
      help: 'Time a call handler took to answer (calls to unknown methods left out).',
      buckets,
      registers,
    });
  }

  /** A client call ended with `outcome` after `ms`. */
  called(outcome: RpcOutcome, ms: number): void {
    this.#rpcCalls.inc({ outcome });
    if (outcome !== 'unknown_method') this.#rpcDuration.observe(ms / 1000);
  }

  /** A connection closed with `code`. */
  closed(code: number): void {
    this.#disconnects.inc({ code: closeCodeLabel(code) });
  }

  /** A client publish was acked `ms` after its frame arrived. */
  acked(ms: number): void {
    this.#publishAck.observe(ms / 1000);
  }

  /** The metrics in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
