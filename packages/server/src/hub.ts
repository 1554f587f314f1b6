import { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type AnnouncedLimits, CloseCode, isValidTopic, type Payload, topicProblem } from '@hubbub/protocol';
import { nanoid } from 'nanoid';
import { type WebSocket, WebSocketServer } from 'ws';
import { WriteBatcher } from './batch.js';
import type { Broker, BrokerMessage, PublishResult } from './broker/broker.js';
import { Connection, ConnState } from './connection.js';
import type { HubCore } from './core.js';
import { checkLiveness, markPinged, type SweepConfig, sweepPeriod } from './heartbeat.js';
import { attachListener, createStandaloneServer } from './http.js';
import type { ResolvedOptions } from './options.js';
import { bindSocket } from './socket.js';
import { Counters, type HubStats } from './stats.js';
import { fanOut } from './subscribe.js';
import { TopicIndex } from './topics.js';
import { checkUpgrade, rejectUpgrade } from './upgrade.js';
import { waitUntil } from './wait.js';

/** Payload of the `connection` event. */
export interface ConnectionContext {
  readonly sid: string;
  readonly principal: unknown;
}

/** Payload of the `disconnect` event. */
export interface DisconnectContext {
  readonly sid: string;
  readonly principal: unknown;
  /** Close code (1006 when the socket was lost or terminated). */
  readonly code: number;
  readonly reason: string;
}

/** Events of a {@link Hub}. */
export interface HubEvents {
  /** A client finished `connect` and got its `welcome`. */
  connection: [ctx: ConnectionContext];
  /** A connection that had a `connection` event closed. */
  disconnect: [ctx: DisconnectContext];
  /** A user hook threw, or the broker or server failed; the hub keeps running. */
  error: [err: Error];
}

/** Options of {@link Hub.close}. */
export interface CloseOptions {
  /**
   * Longest wait for in-flight publishes and for clients to answer the 1001 close; sockets
   * still open after it are destroyed.
   * @default 5_000
   */
  readonly drainMs?: number;
}

const PING = { type: 'ping' } as const;

/** A running Hubbub server. Made by `createServer`. */
export class Hub extends EventEmitter<HubEvents> implements HubCore {
  /** Resolves once the hub is listening (standalone) and its broker started. */
  readonly ready: Promise<void>;
  readonly counters = new Counters();
  readonly index = new TopicIndex<Connection>();
  readonly batcher = new WriteBatcher();
  readonly announced: AnnouncedLimits;
  readonly preframe: boolean;
  readonly #conns = new Map<string, Connection>();
  readonly #listening = new Map<string, Promise<void>>();
  readonly #wss: WebSocketServer;
  readonly #http: HttpServer | HttpsServer | undefined;
  readonly #sidPrefix = `${nanoid(10)}.`;
  readonly #sweepConfig: SweepConfig;
  readonly #onUpgraded = (ws: WebSocket, req: IncomingMessage) => this.#accept(ws, req);
  #upgradeListener: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  #sidCounter = 0;
  #inflight = 0;
  #draining = false;
  #listeningNow = false;
  #brokerReady = false;
  #sweep: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    readonly options: ResolvedOptions,
    readonly broker: Broker,
  ) {
    super();
    const l = options.limits;
    this.announced = {
      maxPayloadBytes: l.maxPayloadBytes,
      publishRate: l.publishRate,
      publishBurst: l.publishBurst,
      maxSubscriptions: l.maxSubscriptions,
    };
    this.preframe = options.perMessageDeflate === false;
    this.#sweepConfig = {
      ...options.heartbeat,
      connectTimeoutMs: l.connectTimeoutMs,
      tokenGraceMs: options.tokenGraceMs,
    };
    this.#wss = new WebSocketServer(this.#wsOptions());
    this.#wss.on('error', (err) => this.reportError(err));
    this.#http = this.#bindHttp();
    this.ready = this.#start();
    this.ready.catch((err) => this.reportError(err));
  }

  #wsOptions(): ConstructorParameters<typeof WebSocketServer>[0] {
    const d = this.options.perMessageDeflate;
    return {
      noServer: true,
      clientTracking: false,
      maxPayload: this.options.limits.maxPayloadBytes,
      handleProtocols: (offered: Set<string>) => offered.values().next().value ?? false,
      perMessageDeflate:
        d === false
          ? false
          : { threshold: d.threshold, zlibDeflateOptions: { level: d.level }, serverNoContextTakeover: true },
      closeTimeout: this.options.limits.closeTimeoutMs,
    } as ConstructorParameters<typeof WebSocketServer>[0];
  }

  #bindHttp(): HttpServer | HttpsServer | undefined {
    const o = this.options;
    const target = {
      path: o.path,
      handleUpgrade: this.handleUpgrade.bind(this),
      isReady: () => this.isReady(),
    };
    if (o.mode === 'standalone') return createStandaloneServer(target, o.limits.headersTimeoutMs);
    if (o.mode === 'attached' && o.server) {
      this.#upgradeListener = attachListener(o.server, target);
      o.server.on('upgrade', this.#upgradeListener);
      return o.server;
    }
    return undefined;
  }

  async #start(): Promise<void> {
    await this.broker.start({
      history: this.options.history,
      idempotencyTtlMs: this.options.idempotencyTtlMs,
      deliver: (message) => this.#deliver(message),
      readyChanged: (ready) => {
        this.#brokerReady = ready;
      },
    });
    this.#brokerReady = this.broker.isReady();
    if (this.options.mode === 'standalone' && this.#http) {
      const server = this.#http;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.port, this.options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => this.reportError(err));
    }
    this.#listeningNow = true;
    this.#sweep = setInterval(() => this.#sweepAll(), sweepPeriod(this.#sweepConfig));
    this.#sweep.unref();
  }

  /** Listening, broker connected, and not shutting down. */
  isReady(): boolean {
    return this.#listeningNow && !this.#draining && this.#brokerReady && this.broker.isReady();
  }

  /** Address actually bound (standalone, or the attached server's). Throws in `noServer` mode. */
  address(): { host: string; port: number } {
    const addr = this.#http?.address();
    if (addr === null || addr === undefined || typeof addr === 'string') {
      throw new Error('hub.address(): not listening on a TCP port (noServer mode, or not ready yet)');
    }
    return { host: (addr as AddressInfo).address, port: (addr as AddressInfo).port };
  }

  /** Takes over an HTTP upgrade (for `noServer`; standalone and attached hubs call it themselves). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = checkUpgrade(req, this.options, this.#draining, this.#conns.size);
    if (refusal) rejectUpgrade(socket, refusal);
    else this.#wss.handleUpgrade(req, socket, head, this.#onUpgraded);
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const sid = this.#sidPrefix + (this.#sidCounter++).toString(36);
    const conn = new Connection(this, ws, sid, req, Date.now());
    this.#conns.set(sid, conn);
    bindSocket(ws, conn);
    if (this.#draining) conn.close(CloseCode.GoingAway, 'server shutting down');
  }

  /**
   * Publishes from backend code, through the same path as client publishes. Rejects when the topic
   * is invalid or the broker cannot publish.
   */
  async publish(topic: string, data: Payload, key?: string): Promise<PublishResult> {
    if (!isValidTopic(topic)) throw new TypeError(`hub.publish(): ${topicProblem(topic)}`);
    if (data === undefined) throw new TypeError('hub.publish(): data must not be undefined');
    this.counters.published++;
    return this.track(this.broker.publish(topic, data, key));
  }

  /** Counters and gauges. */
  stats(): HubStats {
    return {
      connections: this.#conns.size,
      topics: this.index.size,
      subscriptions: this.index.subscriptions,
      ...this.counters,
      brokerReady: this.#brokerReady,
      draining: this.#draining,
    };
  }

  /** Session ids of the open connections. */
  connections(): string[] {
    return [...this.#conns.keys()];
  }

  /** Closes one connection. Returns false when `sid` is unknown. */
  disconnect(sid: string, code: number = CloseCode.Normal, reason = ''): boolean {
    const conn = this.#conns.get(sid);
    if (conn === undefined) return false;
    conn.close(code, reason);
    return true;
  }

  /** Closes every connection with `code` and `reason` (the hub keeps accepting new ones). */
  closeAll(code: number = CloseCode.GoingAway, reason = ''): void {
    for (const conn of this.#conns.values()) conn.close(code, reason);
  }

  /** Destroys every client socket without a close frame, as a lost network would. */
  terminateAll(): void {
    for (const conn of this.#conns.values()) conn.terminate();
  }

  #deliver(message: BrokerMessage): void {
    const subs = this.index.subscribers(message.topic);
    if (subs === undefined) return;
    try {
      fanOut(subs, message.topic, message.epoch, message.offset, message.data, this.preframe);
    } catch (err) {
      this.reportError(err);
    }
  }

  #sweepAll(): void {
    const now = Date.now();
    const cfg = this.#sweepConfig;
    for (const conn of this.#conns.values()) {
      if (conn.state === ConnState.Closing) continue;
      switch (checkLiveness(conn, now, cfg)) {
        case 'ping':
          markPinged(conn, now, cfg.intervalMs);
          conn.send(PING);
          if (conn.ws.readyState === 1) conn.ws.ping();
          break;
        case 'dead':
          conn.terminate();
          break;
        case 'connect-timeout':
          conn.close(CloseCode.ConnectTimeout, `no successful "connect" within ${cfg.connectTimeoutMs} ms`);
          break;
        case 'expired':
          conn.close(CloseCode.TokenExpired, 'token expired');
          break;
      }
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
      this.emit('connection', { sid: conn.sid, principal: conn.principal });
    } catch (err) {
      this.reportError(err);
      conn.close(CloseCode.InternalError, 'internal error');
    }
  }

  release(conn: Connection): void {
    for (const topic of this.index.removeAll(conn)) this.topicEmptied(topic);
    conn.replaying = null;
    conn.queue = null;
  }

  closed(conn: Connection, code: number, reason: string): void {
    // nextPingAt is set when `connect` succeeds: only those connections had a `connection` event.
    const wasOpen = conn.nextPingAt !== 0;
    conn.state = ConnState.Closing;
    this.release(conn);
    this.#conns.delete(conn.sid);
    if (!wasOpen) return;
    try {
      this.emit('disconnect', { sid: conn.sid, principal: conn.principal, code, reason });
    } catch (err) {
      this.reportError(err);
    }
  }

  reportError(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else console.error('[hubbub]', error);
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.#inflight++;
    const done = () => {
      this.#inflight--;
    };
    work.then(done, done);
    return work;
  }

  /** Stops accepting, sends `goaway` and 1001 to every client, drains, then closes the broker. */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.drainMs ?? 5_000);
    return this.#closing;
  }

  async #shutdown(drainMs: number): Promise<void> {
    this.#draining = true;
    const deadline = Date.now() + drainMs;
    await this.ready.catch(() => undefined);
    const http = this.#http;
    if (this.#upgradeListener && http) http.off('upgrade', this.#upgradeListener);
    const httpClosed =
      this.options.mode === 'standalone' && http
        ? new Promise<void>((resolve) => http.close(() => resolve()))
        : Promise.resolve();
    await waitUntil(() => this.#inflight === 0, deadline);
    const spread = this.options.goAwaySpreadMs;
    for (const conn of this.#conns.values()) {
      conn.send({ type: 'goaway', retryMs: Math.floor(Math.random() * spread) });
      conn.close(CloseCode.GoingAway, 'server shutting down');
    }
    await waitUntil(() => this.#conns.size === 0, deadline);
    for (const conn of this.#conns.values()) conn.ws.terminate();
    clearInterval(this.#sweep);
    if (this.options.mode === 'standalone' && http && 'closeAllConnections' in http)
      http.closeAllConnections();
    await httpClosed;
    await this.broker.close();
  }
}
