/**
 * A TCP proxy on 127.0.0.1 for link faults: throttle (bytes per second), freeze (stop forwarding
 * without closing anything) and cut (destroy both sides, no FIN/close frame).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** Which way a fault applies: `up` is client → server, `down` is server → client. */
export type Direction = 'up' | 'down' | 'both';

const TICK_MS = 20;
/** Bytes a pipe holds before it stops reading from its source, so throttling reaches TCP. */
const HOLD_BYTES = 16 * 1024;

/** One direction of one proxied connection. */
class Pipe {
  private readonly chunks: Buffer[] = [];
  private held = 0;
  private budget = 0;
  rate: number | undefined;
  frozen = false;

  constructor(
    readonly src: Socket,
    readonly dst: Socket,
  ) {
    src.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.held += chunk.length;
      if (this.held >= HOLD_BYTES) src.pause();
      if (this.rate === undefined) this.pump();
    });
    src.on('end', () => {
      if (!this.frozen && this.held === 0) dst.end();
    });
  }

  /** Forwards what the current mode allows; called on data and on every tick. */
  pump(): void {
    if (this.frozen || this.dst.destroyed) return;
    if (this.rate !== undefined) {
      this.budget = Math.min(this.budget + (this.rate * TICK_MS) / 1000, this.rate);
    }
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const room = this.rate === undefined ? chunk.length : Math.floor(this.budget);
      if (room <= 0) break;
      const part = room >= chunk.length ? chunk : chunk.subarray(0, room);
      if (part === chunk) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(room);
      this.held -= part.length;
      if (this.rate !== undefined) this.budget -= part.length;
      this.dst.write(part);
    }
    if (this.held < HOLD_BYTES && this.src.isPaused() && !this.src.destroyed) this.src.resume();
    if (this.held === 0 && this.src.readableEnded && !this.dst.writableEnded) this.dst.end();
  }
}

interface Link {
  readonly client: Socket;
  readonly server: Socket;
  readonly up: Pipe;
  readonly down: Pipe;
}

/** A running proxy. */
export interface TcpProxy {
  /** Port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections currently open. */
  readonly open: number;
  /** Limits every current and future connection to `bytesPerSecond` (undefined: no limit). */
  throttle(bytesPerSecond: number | undefined, direction?: Direction): void;
  /** Stops forwarding on the current connections, holding their sockets open. */
  freeze(direction?: Direction): void;
  /** Resumes forwarding on frozen connections. */
  thaw(): void;
  /** Destroys both sides of every current connection. */
  cut(): void;
  /** Sends future connections to 127.0.0.1:`port`. */
  retarget(port: number): void;
  /** Cuts everything and stops listening. */
  close(): Promise<void>;
}

function pipesOf(link: Link, direction: Direction): Pipe[] {
  if (direction === 'up') return [link.up];
  if (direction === 'down') return [link.down];
  return [link.up, link.down];
}

/** Starts a proxy on 127.0.0.1 (port 0) forwarding to 127.0.0.1:`targetPort`. */
export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const links = new Set<Link>();
  const rates: Record<'up' | 'down', number | undefined> = { up: undefined, down: undefined };
  let accepted = 0;
  let target = targetPort;
  const server: Server = createServer((client) => {
    accepted++;
    client.pause();
    const upstream = connect(target, '127.0.0.1');
    const link: Link = {
      client,
      server: upstream,
      up: new Pipe(client, upstream),
      down: new Pipe(upstream, client),
    };
    link.up.rate = rates.up;
    link.down.rate = rates.down;
    links.add(link);
    const drop = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', () => !link.up.frozen && !link.down.frozen && drop());
    upstream.on('error', drop).on('close', () => !link.up.frozen && !link.down.frozen && drop());
    upstream.once('connect', () => client.resume());
  });
  const ticker = setInterval(() => {
    for (const link of links) {
      if (link.up.rate !== undefined) link.up.pump();
      if (link.down.rate !== undefined) link.down.pump();
    }
  }, TICK_MS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  const cut = () => {
    for (const link of links) {
      link.client.destroy();
      link.server.destroy();
    }
    links.clear();
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return links.size;
    },
    throttle(bytesPerSecond, direction = 'both') {
      if (direction !== 'down') rates.up = bytesPerSecond;
      if (direction !== 'up') rates.down = bytesPerSecond;
      for (const link of links) for (const pipe of pipesOf(link, direction)) pipe.rate = bytesPerSecond;
    },
    freeze(direction = 'both') {
      for (const link of links) for (const pipe of pipesOf(link, direction)) pipe.frozen = true;
    },
    thaw() {
      for (const link of links) {
        for (const pipe of [link.up, link.down]) {
          pipe.frozen = false;
          pipe.pump();
        }
      }
    },
    cut,
    retarget(port) {
      target = port;
    },
    close() {
      clearInterval(ticker);
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
