import type { IncomingMessage } from 'node:http';
import type { AnnouncedLimits, ClientMessage } from '@hubbub/protocol';
import { CloseCode } from '@hubbub/protocol';
import type { WebSocket } from 'ws';
import { announcedLimits } from './announced-limits.js';
import type { Broker, BrokerMessage, ControlReply, ControlRequest } from './broker/broker.js';
import { Connection } from './connection/connection.js';
import { type SweepConfig, sweep, sweepPeriod } from './connection/heartbeat.js';
import { bindSocket, WsSocket } from './connection/ws-socket.js';
import { fanOut } from './delivery/fanout.js';
import { ReplayFrames } from './delivery/replay.js';
import { WriteBatcher } from './delivery/write-batcher.js';
import { dispatch } from './handlers/dispatch.js';
import type { HubCore } from './hub-core.js';
import { HubLog } from './log/hub-log.js';
import { HubMetrics } from './metrics/hub-metrics.js';
import type { ResolvedOptions } from './options.js';
import { announce } from './presence/announce.js';
import { memberOf, PresenceTracker } from './presence/tracker.js';
import { MethodRegistry } from './rpc/registry.js';
import { Counters } from './stats.js';
import { TopicIndex } from './topics.js';

/** Where the runtime reports what the public hub emits. */
export interface RuntimeEvents {
  connection(conn: Connection): void;
  disconnect(conn: Connection, code: number, reason: string): void;
  error(err: Error): void;
}

/**
 * What connections and handlers use of the hub: the connection registry, the topic index, the
 * broker's listens, the heartbeat sweep and the in-flight count. Never exported from the package;
 * the public `Hub` owns one.
 */
export class HubRuntime implements HubCore {
  readonly counters = new Counters();
  readonly index = new TopicIndex<Connection>();
  readonly batcher = new WriteBatcher();
  readonly announced: AnnouncedLimits;
  readonly preframe: boolean;
  readonly replayFrames: ReplayFrames;
  readonly conns = new Map<string, Connection>();
  readonly methods = new MethodRegistry();
  readonly #listening = new Map<string, Promise<void>>();
  readonly #sweepConfig: SweepConfig;
  readonly #sidPrefix: string;
  #sidCounter = 0;
  #inflight = 0;
  #sweep: NodeJS.Timeout | undefined;
  brokerReady = false;
  /** Prometheus metrics; undefined with `metrics: false`. */
  readonly metrics: HubMetrics | undefined;
  /** The operator's log (`logger` option). */
  readonly log: HubLog;
  /** This hub's presence members and their grace periods. */
  readonly presence: PresenceTracker;

  constructor(
    readonly options: ResolvedOptions,
    readonly broker: Broker,
    private readonly events: RuntimeEvents,
    sidPrefix: string,
  ) {
    const l = options.limits;
    this.announced = announcedLimits(options);
    this.preframe = options.perMessageDeflate === false;
    this.replayFrames = new ReplayFrames(this.preframe);
    this.#sidPrefix = sidPrefix;
    if (
      options.presence !== false &&
      !(broker.join && broker.leave && broker.presence && broker.presenceStats)
    ) {
      throw new TypeError('"presence" needs a broker with presence (join, leave, presence, presenceStats)');
    }
    this.presence = new PresenceTracker(this, options.presence, options.presenceGraceMs);
    this.#sweepConfig = {
      ...options.heartbeat,
      connectTimeoutMs: l.connectTimeoutMs,
      tokenGraceMs: options.tokenGraceMs,
    };
    this.log = new HubLog(options.logger, this.counters);
    this.metrics =
      options.metrics === false
        ? undefined
        : new HubMetrics(
            {
              counters: this.counters,
              connections: () => this.conns.size,
              subscriptions: () => this.index.subscriptions,
              topics: () => this.index.size,
              brokerUp: () => this.brokerReady && this.broker.isReady(),
            },
            options.metrics,
          );
  }

  /** Starts the broker (delivering into this runtime) and the heartbeat sweep. */
  async start(): Promise<void> {
    await this.broker.start({
      history: this.options.history,
      idempotencyTtlMs: this.options.idempotencyTtlMs,
      deliver: (message) => this.#deliver(message),
      readyChanged: (ready) => {
        this.brokerReady = ready;
        this.log.brokerReady(ready);
      },
      repaired: (topic, messages) => {
        this.counters.brokerRepairs++;
        this.counters.repairedMessages += messages;
        this.log.repaired(topic, messages);
      },
      presenceChanged: (event) => {
        const subscribers = this.index.subscribers(event.topic);
        if (subscribers !== undefined) announce(subscribers, event, this.preframe);
      },
      control: (request) => this.#control(request),
    });
    this.brokerReady = this.broker.isReady();
    this.log.brokerReady(this.brokerReady);
    this.log.start();
    this.#sweep = setInterval(
      () => sweep(this.conns.values(), Date.now(), this.#sweepConfig),
      sweepPeriod(this.#sweepConfig),
    );
    this.#sweep.unref();
  }

  /** Stops the heartbeat sweep and the presence grace timer. */
  stop(): void {
    clearInterval(this.#sweep);
    this.log.stop();
    this.presence.stop();
  }

  /** Answers a cluster-wide control request for this hub's connections. */
  #control(request: ControlRequest): ControlReply {
    const mine = [...this.conns.values()].filter(
      (c) => c.opened && !c.closing && c.userId === request.userId,
    );
    if (request.type === 'connections') {
      const connections = mine.map((c) => ({ ...memberOf(c), userId: request.userId }));
      return { closed: 0, connections };
    }
    for (const conn of mine) conn.close(request.code, request.reason);
    return { closed: mine.length, connections: [] };
  }

  /** Takes an upgraded socket. */
  accept(ws: WebSocket, req: IncomingMessage, draining: boolean): void {
    const sid = this.#sidPrefix + (this.#sidCounter++).toString(36);
    const conn = new Connection(this, new WsSocket(ws), sid, req, Date.now());
    this.conns.set(sid, conn);
    bindSocket(ws, conn);
    if (draining) conn.close(CloseCode.GoingAway, 'server shutting down');
  }

  get inflight(): number {
    return this.#inflight;
  }

  dispatch(conn: Connection, message: ClientMessage): Promise<void> | undefined {
    return dispatch(conn, message);
  }

  #deliver(message: BrokerMessage): void {
    const subs = this.index.subscribers(message.topic);
    if (subs === undefined) return;
    // One add per message, not one per subscriber: the fan-out loop stays as it is.
    this.counters.delivered += subs.size;
    try {
      fanOut(subs, message, this.preframe);
    } catch (err) {
      this.reportError(err);
    }
  }

  listen(topic: string): Promise<void> {
    let pending = this.#listening.get(topic);
    if (pending === undefined) {
      pending = this.broker.listen(topic);
      this.#listening.set(topic, pending);
      pending.catch(() => {
        if (this.#listening.get(topic) === pending) this.#listening.delete(topic);
      });
    }
    return pending;
  }

  topicEmptied(topic: string): void {
    const pending = this.#listening.get(topic);
    if (pending === undefined) return;
    this.#listening.delete(topic);
    pending.then(
      () => this.broker.unlisten(topic).catch((err) => this.reportError(err)),
      () => undefined,
    );
  }

  opened(conn: Connection): void {
    try {
      this.events.connection(conn);
    } catch (err) {
      this.reportError(err);
      conn.close(CloseCode.InternalError, 'internal error');
    }
  }

  release(conn: Connection): void {
    for (const topic of this.index.removeAll(conn)) this.topicEmptied(topic);
  }

  closed(conn: Connection, code: number, reason: string): void {
    this.conns.delete(conn.sid);
    this.metrics?.closed(code);
    this.presence.ended(conn.sid, code);
    if (!conn.opened) return;
    try {
      this.events.disconnect(conn, code, reason);
    } catch (err) {
      this.reportError(err);
    }
  }

  reportError(err: unknown): void {
    this.events.error(err instanceof Error ? err : new Error(String(err)));
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.#inflight++;
    const done = () => {
      this.#inflight--;
    };
    work.then(done, done);
    return work;
  }
}
