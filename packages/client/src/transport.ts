import type { EncodedFrame } from '@hubbub/protocol';

/** The part of the WHATWG WebSocket interface the client uses; `ws` and browsers both provide it. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: EncodedFrame): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drops the connection at once, without a close handshake. */
  terminate?: () => void;
}

/** A WebSocket constructor: the platform's, `ws`, or any compatible one. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The platform's WebSocket, if it has one. */
export function platformWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

/**
 * Ends a socket the client gave up on, without waiting for a close handshake a dead link cannot
 * do, and detaches its handlers so its late events are ignored.
 */
export function discard(ws: WebSocketLike, code?: number, reason?: string): void {
  ws.onopen = ws.onmessage = ws.onclose = null;
  // A late 'error' with no listener would be thrown by some implementations.
  ws.onerror = () => {};
  try {
    if (ws.terminate && code === undefined) ws.terminate();
    else ws.close(code, reason);
  } catch {
    try {
      ws.close();
    } catch {
      // Already closed.
    }
  }
}

/** Calls `onWake` when the browser comes back online or the page becomes visible. */
export function watchNetwork(onWake: () => void): () => void {
  const g = globalThis as {
    addEventListener?: (type: string, fn: () => void) => void;
    removeEventListener?: (type: string, fn: () => void) => void;
    document?: { visibilityState?: string };
  };
  if (typeof g.addEventListener !== 'function' || typeof g.removeEventListener !== 'function') {
    return () => {};
  }
  const onVisible = () => {
    if (g.document?.visibilityState === 'visible') onWake();
  };
  g.addEventListener('online', onWake);
  g.addEventListener('visibilitychange', onVisible);
  return () => {
    g.removeEventListener?.('online', onWake);
    g.removeEventListener?.('visibilitychange', onVisible);
  };
}
