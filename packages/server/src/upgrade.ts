import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SUBPROTOCOL } from '@hubbub/protocol';
import type { ResolvedOptions } from './options.js';

/** Why an upgrade is refused, as an HTTP status and a plain-text body. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/** Path of a request URL, without the query string. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function originAllowed(allowed: ResolvedOptions['allowedOrigins'], origin: string | undefined): boolean {
  if (allowed === undefined || origin === undefined) return true;
  if (typeof allowed === 'function') {
    try {
      return allowed(origin) === true;
    } catch {
      return false;
    }
  }
  return allowed.includes(origin);
}

/** The subprotocols a request offers. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header.split(',').map((p) => p.trim());
}

/** Checks an upgrade request before ws sees it; returns why it is refused, or undefined. */
export function checkUpgrade(
  req: IncomingMessage,
  options: ResolvedOptions,
  draining: boolean,
  connections: number,
): Refusal | undefined {
  if (draining) return { status: 503, message: 'server shutting down' };
  if (options.path !== undefined && pathOf(req.url) !== options.path) {
    return { status: 404, message: `no WebSocket endpoint at ${pathOf(req.url)}` };
  }
  if (!originAllowed(options.allowedOrigins, req.headers.origin)) {
    return { status: 403, message: 'origin not allowed' };
  }
  if (connections >= options.limits.maxConnections) return { status: 503, message: 'too many connections' };
  if (!offeredProtocols(req).includes(SUBPROTOCOL)) {
    return {
      status: 400,
      message: `unsupported subprotocol: offer "${SUBPROTOCOL}" in Sec-WebSocket-Protocol`,
    };
  }
  return undefined;
}

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
export function rejectUpgrade(socket: Duplex, refusal: Refusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${refusal.message}\n`;
  socket.once('finish', socket.destroy);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Hubbub-Error: ${refusal.message.replace(/[^\x20-\x7e]/g, '?')}\r\n` +
      `\r\n${body}`,
  );
}
