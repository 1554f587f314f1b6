import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { pathOf, rejectUpgrade } from './upgrade.js';

/** Content type of the Prometheus text exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** What the HTTP glue needs from the hub. */
export interface UpgradeTarget {
  readonly path: string | undefined;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Listening and broker connected, not draining. */
  isReady(): boolean;
  /** Prometheus text for `GET /metrics`; undefined when metrics are off. */
  readonly metrics: (() => Promise<string>) | undefined;
}

function respond(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${body}\n`);
}

/**
 * The standalone server: the WebSocket endpoint plus `GET /healthz` (alive), `GET /readyz`
 * (ready to serve) and, with metrics on, `GET /metrics` (Prometheus). A short `headersTimeout` drops slow upgrade requests that would hold a socket.
 */
export function createStandaloneServer(target: UpgradeTarget, headersTimeoutMs: number): Server {
  const server = createHttpServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: headersTimeoutMs * 2,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
    },
    (req, res) => {
      const path = pathOf(req.url);
      if (req.method === 'GET' && path === '/healthz') respond(res, 200, 'ok');
      else if (req.method === 'GET' && path === '/readyz') {
        if (target.isReady()) respond(res, 200, 'ready');
        else respond(res, 503, 'not ready');
      } else if (req.method === 'GET' && path === '/metrics' && target.metrics) {
        target.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
            res.end(text);
          },
          () => respond(res, 500, 'metrics collection failed'),
        );
      } else if (target.path === undefined || path === target.path) respond(res, 426, 'upgrade required');
      else respond(res, 404, 'not found');
    },
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    target.handleUpgrade(req, socket, head);
  });
  return server;
}

/**
 * Upgrade listener for an app's own server: takes only requests for the hub's path and leaves
 * other paths to the app's listeners (answering 404 only when no other listener exists).
 */
export function attachListener(
  server: { listenerCount(event: string): number },
  target: UpgradeTarget,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    if (target.path === undefined || pathOf(req.url) === target.path) {
      target.handleUpgrade(req, socket, head);
    } else if (server.listenerCount('upgrade') === 1) {
      rejectUpgrade(socket, { status: 404, message: `no WebSocket endpoint at ${pathOf(req.url)}` });
    }
  };
}
