/**
 * The standalone server: one `http` server carrying the WebSocket endpoint, `/healthz`, `/readyz`,
 * `/metrics` and the HTTP API, around a hub built from a {@link StandaloneConfig}.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRedisBroker, createServer, type Hub, METRICS_CONTENT_TYPE } from '@hubbub/server';
import type { StandaloneConfig } from './config/types.js';
import { createHttpApi, type HttpApiHandler } from './http/api.js';
import { createJwtAuthenticate } from './jwt.js';
import { createJsonLogger, type JsonLogger } from './log.js';
import { createRulesAuthorize, topicMatcher } from './rules.js';

/** A running standalone server. */
export interface Standalone {
  readonly hub: Hub;
  /** The `http` server everything is served from. */
  readonly server: Server;
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** Stops accepting, drains the hub for `config.drainMs`, then closes every socket. */
  close(): Promise<void>;
}

/** Options of {@link startStandalone}. */
export interface StartOptions {
  /** Where log lines go. @default JSON lines on stdout at `config.logLevel` */
  readonly logger?: JsonLogger;
}

function text(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function requestHandler(
  config: StandaloneConfig,
  hub: Hub,
  api: HttpApiHandler | undefined,
  log: JsonLogger,
) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (api?.(req, res)) return;
    if (req.method === 'GET' && path === '/healthz') text(res, 200, 'ok\n');
    else if (req.method === 'GET' && path === '/readyz') {
      if (hub.isReady()) text(res, 200, 'ready\n');
      else text(res, 503, 'not ready\n');
    } else if (req.method === 'GET' && path === '/metrics' && config.metrics) {
      hub.metrics().then(
        (body) => text(res, 200, body, METRICS_CONTENT_TYPE),
        (err: unknown) => {
          log.error({ err }, 'metrics collection failed');
          text(res, 500, 'metrics collection failed\n');
        },
      );
    } else if (path === '/api' || path?.startsWith('/api/')) {
      text(res, 404, 'the HTTP API is off: set apiKey (HUBBUB_API_KEY) to turn it on\n');
    } else if (config.path === undefined || path === config.path) text(res, 426, 'upgrade required\n');
    else text(res, 404, 'not found\n');
  };
}

/** Builds the hub and the `http` server from `config`, listens, and resolves once ready. */
export async function startStandalone(
  config: StandaloneConfig,
  options: StartOptions = {},
): Promise<Standalone> {
  const log = options.logger ?? createJsonLogger(config.logLevel);
  // Keys are read and parsed first: a bad one stops the start before anything is opened.
  const authenticate = config.jwt ? createJwtAuthenticate(config.jwt) : undefined;
  const server = createHttpServer({ headersTimeout: 10_000, requestTimeout: 30_000 });
  const broker = config.redisUrl
    ? createRedisBroker(
        { url: config.redisUrl },
        { prefix: config.redisPrefix, onError: (err) => log.warn({ err }, 'broker error') },
      )
    : undefined;
  const hub = createServer({
    server,
    path: config.path,
    allowedOrigins: config.allowedOrigins,
    authenticate,
    authorize: config.rules ? createRulesAuthorize(config.rules) : undefined,
    broker,
    history: config.history,
    heartbeat: config.heartbeat,
    limits: config.limits,
    ...(config.idempotencyTtlMs !== undefined && { idempotencyTtlMs: config.idempotencyTtlMs }),
    presence: typeof config.presence === 'boolean' ? config.presence : topicMatcher(config.presence),
    ...(config.presenceGraceMs !== undefined && { presenceGraceMs: config.presenceGraceMs }),
    logger: log,
    metrics: config.metrics,
  });
  const api = config.apiKey
    ? createHttpApi(hub, {
        apiKey: config.apiKey,
        maxBodyBytes: config.apiMaxBodyBytes,
        onError: (err) => log.error({ err }, 'HTTP API request failed'),
      })
    : undefined;
  server.on('request', requestHandler(config, hub, api, log));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await hub.ready;
  } catch (err) {
    // Port taken, or the broker never came up: release what was opened.
    server.close();
    await hub.close({ drainMs: 0 });
    throw err;
  }
  server.on('error', (err) => log.error({ err }, 'http server error'));
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info(
    {
      port,
      broker: config.redisUrl ? 'redis' : 'memory',
      jwt: config.jwt !== undefined,
      rules: config.rules?.length ?? 0,
      api: api !== undefined,
      metrics: config.metrics,
    },
    'hubbub standalone server listening',
  );
  let closing: Promise<void> | undefined;
  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await hub.close({ drainMs: config.drainMs });
    server.closeAllConnections();
    await closed;
  };
  return {
    hub,
    server,
    url,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
