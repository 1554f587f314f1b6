import { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  type AnyMethods,
  CloseCode,
  isValidTopic,
  type MethodName,
  type Payload,
  SUBPROTOCOL,
  topicProblem,
} from '@hubbub/protocol';
import { nanoid } from 'nanoid';
import { type WebSocket, WebSocketServer } from 'ws';
import type {
  Broker,
  PresenceMember,
  PresenceStats,
  PublishResult,
  UserConnection,
} from './broker/broker.js';
import { SERVER_SCOPE, scopeKey } from './broker/idempotency.js';
import { type HistoryPage, type HistoryReadOptions, readHistory } from './history.js';
import { attachListener, createStandaloneServer } from './http.js';
import { checkKnownKeys, type ResolvedOptions } from './options.js';
import { payloadProblem } from './payload.js';
import {
  type ConnectionsOfOptions,
  checkPresenceTopic,
  connectionsRequest,
  type DisconnectUserOptions,
  disconnectRequest,
  runControl,
} from './presence/cluster.js';
import type { HandleArgs, StoredHandler } from './rpc/registry.js';
import { HubRuntime } from './runtime.js';
import type { HubStats } from './stats.js';
import { checkUpgrade, rejectUpgrade } from './upgrade.js';
import { waitUntil } from './wait.js';

/** Payload of the `connection` event. */
export interface ConnectionContext {
  readonly sid: string;
  readonly principal: unknown;
  /** The user the connection belongs to, when `authenticate` named one. */
  readonly userId: string | undefined;
}

/** Payload of the `disconnect` event. */
export interface DisconnectContext {
  readonly sid: string;
  readonly principal: unknown;
  readonly userId: string | undefined;
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

/** Options of {@link Hub.publish}. */
export interface PublishOptions {
  /**
   * Idempotency key (1–64 of `A-Z a-z 0-9 _ -`): a retry with the same key within the
   * idempotency ttl is stored once and answered with the first publish's position. Backend
   * publishers (`hub.publish`, `createPublisher`, the HTTP API) share one key scope.
   */
  readonly key?: string;
}

const KEY_RE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A running Hubbub server. Made by `createServer`. `M` is the app's method map (see `MethodMap`):
 * it types `handle`.
 */
export class Hub<M extends object = AnyMethods> extends EventEmitter<HubEvents> {
  /** Resolves once the hub is listening (standalone) and its broker started. */
  readonly ready: Promise<void>;
  readonly #options: ResolvedOptions;
  readonly #runtime: HubRuntime;
  readonly #wss: WebSocketServer;
  readonly #http: HttpServer | HttpsServer | undefined;
  readonly #onUpgraded = (ws: WebSocket, req: IncomingMessage) =>
    this.#runtime.accept(ws, req, this.#draining);
  #upgradeListener: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  #draining = false;
  #listeningNow = false;
  #closing: Promise<void> | undefined;

  /** Use `createServer`: the constructor's arguments are internal. */
  private constructor(options: ResolvedOptions, broker: Broker) {
    super();
    this.#options = options;
    this.#runtime = new HubRuntime(
      options,
      broker,
      {
        connection: (conn) =>
          this.emit('connection', { sid: conn.sid, principal: conn.principal, userId: conn.userId }),
        disconnect: (conn, code, reason) =>
          this.emit('disconnect', {
            sid: conn.sid,
            principal: conn.principal,
            userId: conn.userId,
            code,
            reason,
          }),
        error: (err) => {
          options.logger?.error({ err }, 'hub error: a hook threw, or the broker or server failed');
          if (this.listenerCount('error') > 0) this.emit('error', err);
          else if (!options.logger) console.error('[hubbub]', err);
        },
      },
      `${nanoid(10)}.`,
    );
    this.#wss = new WebSocketServer(this.#wsOptions());
    this.#wss.on('error', (err) => this.#runtime.reportError(err));
    this.#http = this.#bindHttp();
    this.ready = this.#start();
    this.ready.catch((err) => this.#runtime.reportError(err));
  }

  #wsOptions(): ConstructorParameters<typeof WebSocketServer>[0] {
    const d = this.#options.perMessageDeflate;
    return {
      noServer: true,
      clientTracking: false,
      maxPayload: this.#options.limits.maxPayloadBytes,
      // Select our protocol whatever its place in the offer (the upgrade check has already refused
      // requests that do not offer it).
      handleProtocols: (offered: Set<string>) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
      perMessageDeflate:
        d === false
          ? false
          : { threshold: d.threshold, zlibDeflateOptions: { level: d.level }, serverNoContextTakeover: true },
      closeTimeout: this.#options.limits.closeTimeoutMs,
    } as ConstructorParameters<typeof WebSocketServer>[0];
  }

  #bindHttp(): HttpServer | HttpsServer | undefined {
    const o = this.#options;
    const target = {
      path: o.path,
      handleUpgrade: this.handleUpgrade.bind(this),
      isReady: () => this.isReady(),
      metrics: this.#runtime.metrics ? () => this.metrics() : undefined,
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
    await this.#runtime.start();
    if (this.#options.mode === 'standalone' && this.#http) {
      const server = this.#http;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.#options.port, this.#options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => this.#runtime.reportError(err));
    }
    this.#listeningNow = true;
    const addr = this.#http?.address();
    this.#runtime.log.info(
      { mode: this.#options.mode, port: typeof addr === 'object' && addr ? addr.port : undefined },
      'hub started',
    );
  }

  /** Listening, broker connected, and not shutting down. */
  isReady(): boolean {
    return (
      this.#listeningNow && !this.#draining && this.#runtime.brokerReady && this.#runtime.broker.isReady()
    );
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
    const refusal = checkUpgrade(req, this.#options, this.#draining, this.#runtime.conns.size);
    if (refusal) rejectUpgrade(socket, refusal);
    else this.#wss.handleUpgrade(req, socket, head, this.#onUpgraded);
  }

  /**
   * Publishes from backend code, through the same broker as client publishes. Resolves with the
   * message's position; rejects with a `TypeError` for an invalid topic, key or payload, and with
   * a `BrokerUnavailableError` (`code` `UNAVAILABLE`, or `OUTCOME_UNKNOWN`: retry with the same
   * key) when the broker cannot take it.
   * @param options `{ key }`: idempotency key. Passing the key as a string is deprecated.
   */
  async publish(topic: string, data: Payload, options?: PublishOptions | string): Promise<PublishResult> {
    if (!isValidTopic(topic)) throw new TypeError(`hub.publish(): ${topicProblem(topic)}`);
    const opts = typeof options === 'string' ? { key: options } : (options ?? {});
    if (typeof opts !== 'object') throw new TypeError('hub.publish(): options must be an object { key }');
    checkKnownKeys('hub.publish() options', opts, ['key']);
    if (opts.key !== undefined && (typeof opts.key !== 'string' || !KEY_RE.test(opts.key))) {
      throw new TypeError('hub.publish(): key must be 1-64 of A-Z a-z 0-9 _ -');
    }
    const problem = payloadProblem(data);
    if (problem) throw new TypeError(`hub.publish(): ${problem}`);
    const runtime = this.#runtime;
    runtime.counters.published++;
    return runtime.track(runtime.broker.publish(topic, data, scopeKey(SERVER_SCOPE, opts.key)));
  }

  /**
   * Members of a presence-enabled topic, on every instance: `{ sid, userId, info }` per
   * subscribed connection. One broker round trip. Throws a `TypeError` for a topic without
   * presence; rejects with `UNAVAILABLE` when the broker cannot answer.
   */
  async presence(topic: string): Promise<PresenceMember[]> {
    const runtime = this.#runtime;
    checkPresenceTopic('hub.presence()', topic, (t) => runtime.presence.enabled(t));
    return runtime.broker.presence!(topic);
  }

  /** `{ connections, users }` of a presence-enabled topic, without transferring the members. */
  async presenceStats(topic: string): Promise<PresenceStats> {
    const runtime = this.#runtime;
    checkPresenceTopic('hub.presenceStats()', topic, (t) => runtime.presence.enabled(t));
    return runtime.broker.presenceStats!(topic);
  }

  /**
   * Closes every connection of `userId` on every instance and resolves with how many were closed.
   * `code`: `CloseCode.Revoked` (4410, the default: the clients stay closed) or `CloseCode.Kicked`
   * (4409: they reconnect).
   */
  async disconnectUser(userId: string, options?: DisconnectUserOptions): Promise<number> {
    const { request, timeoutMs } = disconnectRequest('hub.disconnectUser()', userId, options);
    return (await runControl(this.#runtime.broker, request, timeoutMs)).closed;
  }

  /** The open connections of `userId` on every instance. */
  async connectionsOf(userId: string, options?: ConnectionsOfOptions): Promise<UserConnection[]> {
    const { request, timeoutMs } = connectionsRequest('hub.connectionsOf()', userId, options);
    return [...(await runControl(this.#runtime.broker, request, timeoutMs)).connections];
  }

  /**
   * Answers clients' `call(method, data)` with what `handler(data, ctx)` returns: a JSON value or
   * bytes, or a promise of one. `ctx` is `{ sid, userId, principal }` of the calling connection,
   * whose answer goes back on that connection only. Throw an `RpcError(code, message, data?)` to
   * refuse with your own code; anything else reaches the caller as `INTERNAL` (its message only
   * with `exposeErrors`) and the hub's `error` event. Past `rpc.timeoutMs` the caller gets
   * `TIMEOUT` and a late result is dropped. Calls count toward the inbound rate limit like every
   * frame; check permissions inside the handler, from `ctx`.
   *
   * Throws a TypeError for a method name outside the topic grammar, an Error when `method`
   * already has a handler.
   */
  handle<K extends MethodName<M>>(method: K, ...[handler]: HandleArgs<M, K>): void {
    this.#runtime.methods.add(method, handler as StoredHandler);
  }

  /**
   * Reads a topic's history (on Redis, the cluster's): the messages after `since`, oldest first,
   * or the latest `limit` without it. Resolves with the topic's epoch and offsets too, so a caller
   * can tell messages it wanted are gone (`since + 1 < firstOffset`, or another epoch).
   */
  history(topic: string, options?: HistoryReadOptions): Promise<HistoryPage> {
    return readHistory(this.#runtime.broker, topic, options);
  }

  /**
   * The hub's Prometheus metrics in the text exposition format (every metric of its registry,
   * yours included when you passed `metrics: { registry }`). Rejects when metrics are off.
   */
  metrics(): Promise<string> {
    const metrics = this.#runtime.metrics;
    if (!metrics) return Promise.reject(new Error('hub.metrics(): metrics are off (metrics: false)'));
    return metrics.text();
  }

  /** Counters and gauges. */
  stats(): HubStats {
    const runtime = this.#runtime;
    return {
      connections: runtime.conns.size,
      topics: runtime.index.size,
      subscriptions: runtime.index.subscriptions,
      ...runtime.counters,
      brokerReady: runtime.brokerReady && runtime.broker.isReady(),
      draining: this.#draining,
    };
  }

  /** Session ids of the open connections. */
  connections(): string[] {
    return [...this.#runtime.conns.keys()];
  }

  /** Closes one connection. Returns false when `sid` is unknown. */
  disconnect(sid: string, code: number = CloseCode.Normal, reason = ''): boolean {
    const conn = this.#runtime.conns.get(sid);
    if (conn === undefined) return false;
    conn.close(code, reason);
    return true;
  }

  /** Closes every connection with `code` and `reason` (the hub keeps accepting new ones). */
  closeAll(code: number = CloseCode.GoingAway, reason = ''): void {
    for (const conn of this.#runtime.conns.values()) conn.close(code, reason);
  }

  /** Destroys every client socket without a close frame, as a lost network would. */
  terminateAll(): void {
    for (const conn of this.#runtime.conns.values()) conn.terminate();
  }

  /** Stops accepting, sends `goaway` and 1001 to every client, drains, then closes the broker. */
  close(options: CloseOptions = {}): Promise<void> {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('hub.close(): options must be an object');
    checkKnownKeys('hub.close() options', options, ['drainMs']);
    this.#closing ??= this.#shutdown(options.drainMs ?? 5_000);
    return this.#closing;
  }

  async #shutdown(drainMs: number): Promise<void> {
    this.#draining = true;
    this.#runtime.log.info({ connections: this.#runtime.conns.size, drainMs }, 'hub draining');
    this.#runtime.presence.drain();
    const runtime = this.#runtime;
    const deadline = Date.now() + drainMs;
    await this.ready.catch(() => undefined);
    const http = this.#http;
    if (this.#upgradeListener && http) http.off('upgrade', this.#upgradeListener);
    const standalone = this.#options.mode === 'standalone' && http !== undefined;
    const httpClosed = standalone
      ? new Promise<void>((resolve) => http.close(() => resolve()))
      : Promise.resolve();
    await waitUntil(() => runtime.inflight === 0, deadline);
    const spread = this.#options.goAwaySpreadMs;
    for (const conn of runtime.conns.values()) {
      conn.send({ type: 'goaway', retryMs: Math.floor(Math.random() * spread) });
      conn.close(CloseCode.GoingAway, 'server shutting down');
    }
    await waitUntil(() => runtime.conns.size === 0, deadline);
    for (const conn of runtime.conns.values()) conn.socket.terminate();
    runtime.stop();
    if (standalone && 'closeAllConnections' in http) http.closeAllConnections();
    await httpClosed;
    await runtime.broker.close();
    runtime.log.info({}, 'hub closed');
  }
}
