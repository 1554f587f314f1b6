/**
 * A TCP proxy on 127.0.0.1 for link faults: throttle (bytes per second), delay (every byte
 * forwarded `ms` late, e.g. a lagging replication link), freeze (stop forwarding without closing
 * anything, optionally for new connections too: a partition) and cut (destroy both sides, no
 * FIN/close frame).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** Which way a fault applies: `up` is client → server, `down` is server → client. */
export type Direction = 'up' | 'down' | 'both';

const TICK_MS = 10;
/** Bytes a pipe holds before it stops reading from its source, so throttling reaches TCP. */
const HOLD_BYTES = 16 * 1024;
/** Bytes a delayed pipe holds: a delay must not throttle a replication stream as well. */
const HOLD_DELAYED_BYTES = 64 * 1024 * 1024;

interface Chunk {
  buf: Buffer;
  /** When it may be forwarded (performance.now() ms). */
  readonly due: number;
}

/** One direction of one proxied connection. */
class Pipe {
  private readonly chunks: Chunk[] = [];
  private held = 0;
  private budget = 0;
  rate: number | undefined;
  delayMs = 0;
  frozen = false;

  constructor(
    readonly src: Socket,
    readonly dst: Socket,
  ) {
    src.on('data', (buf: Buffer) => {
      this.chunks.push({ buf, due: performance.now() + this.delayMs });
      this.held += buf.length;
      if (this.held >= (this.delayMs > 0 ? HOLD_DELAYED_BYTES : HOLD_BYTES)) src.pause();
      if (this.rate === undefined && this.delayMs === 0) this.pump();
    });
    src.on('end', () => {
      if (!this.frozen && this.held === 0) dst.end();
    });
  }

  /** Whether the ticker must pump this pipe (bytes held past a delay that was since lifted, too). */
  get timed(): boolean {
    return this.rate !== undefined || this.delayMs > 0 || this.held > 0;
  }

  /** Forwards what the current mode allows; called on data and on every tick. */
  pump(): void {
    if (this.frozen || this.dst.destroyed) return;
    if (this.rate !== undefined) {
      this.budget = Math.min(this.budget + (this.rate * TICK_MS) / 1000, this.rate);
    }
    const now = performance.now();
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      if (chunk.due > now) break;
      const room = this.rate === undefined ? chunk.buf.length : Math.floor(this.budget);
      if (room <= 0) break;
      const part = room >= chunk.buf.length ? chunk.buf : chunk.buf.subarray(0, room);
      if (part === chunk.buf) this.chunks.shift();
      else chunk.buf = chunk.buf.subarray(room);
      this.held -= part.length;
      if (this.rate !== undefined) this.budget -= part.length;
      this.dst.write(part);
    }
    const limit = this.delayMs > 0 ? HOLD_DELAYED_BYTES : HOLD_BYTES;
    if (this.held < limit && this.src.isPaused() && !this.src.destroyed) this.src.resume();
    if (this.held === 0 && this.src.readableEnded && !this.dst.writableEnded) this.dst.end();
  }
}

interface Link {
  readonly client: Socket;
  readonly server: Socket;
  readonly up: Pipe;
  readonly down: Pipe;
}

/** Options of {@link TcpProxy.freeze}. */
export interface FreezeOptions {
  /** Freeze the connections accepted from now on as well, until `thaw()`: a partition. */
  readonly newConnections?: boolean;
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
  /** Forwards every byte of current and future connections `ms` late (0: no delay). */
  delay(ms: number, direction?: Direction): void;
  /** Stops forwarding on the current connections (and new ones if asked), holding them open. */
  freeze(direction?: Direction, options?: FreezeOptions): void;
  /** Resumes forwarding on frozen connections, and forwards new ones again. */
  thaw(): void;
  /** Destroys both sides of every current connection; bytes held in the proxy are dropped. */
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

type Setting = Record<'up' | 'down', number | undefined>;

function setBoth(setting: Setting, value: number | undefined, direction: Direction): void {
  if (direction !== 'down') setting.up = value;
  if (direction !== 'up') setting.down = value;
}

/** Starts a proxy on 127.0.0.1 (port 0) forwarding to 127.0.0.1:`targetPort`. */
export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const links = new Set<Link>();
  const rates: Setting = { up: undefined, down: undefined };
  const delays: Setting = { up: 0, down: 0 };
  let frozenNew: Direction | undefined;
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
    for (const dir of ['up', 'down'] as const) {
      link[dir].rate = rates[dir];
      link[dir].delayMs = delays[dir] ?? 0;
    }
    if (frozenNew) for (const pipe of pipesOf(link, frozenNew)) pipe.frozen = true;
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
      if (link.up.timed) link.up.pump();
      if (link.down.timed) link.down.pump();
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
      setBoth(rates, bytesPerSecond, direction);
      for (const link of links) for (const pipe of pipesOf(link, direction)) pipe.rate = bytesPerSecond;
    },
    delay(ms, direction = 'both') {
      setBoth(delays, ms, direction);
      for (const link of links) for (const pipe of pipesOf(link, direction)) pipe.delayMs = ms;
    },
    freeze(direction = 'both', options = {}) {
      if (options.newConnections) frozenNew = direction;
      for (const link of links) for (const pipe of pipesOf(link, direction)) pipe.frozen = true;
    },
    thaw() {
      frozenNew = undefined;
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
