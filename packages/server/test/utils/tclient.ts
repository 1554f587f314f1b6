/** A raw protocol test client: queues every frame so tests wait for what they expect. */
import { decodeServerMessage, type ServerMessage, type ServerMessageOf, SUBPROTOCOL } from '@hubbub/protocol';
import WebSocket from 'ws';

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

interface Waiter {
  readonly match: (m: ServerMessage) => boolean;
  readonly resolve: (m: ServerMessage) => void;
}

/** A raw `ws` client speaking the Hubbub protocol by hand. */
export class TestClient {
  readonly ws: WebSocket;
  readonly received: ServerMessage[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<Closed>;
  #waiters: Waiter[] = [];

  constructor(url: string, options: WebSocket.ClientOptions & { protocols?: string[] } = {}) {
    const { protocols = [SUBPROTOCOL], ...rest } = options;
    this.ws = new WebSocket(url, protocols, rest);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    const message = decodeServerMessage(isBinary ? new Uint8Array(data) : data.toString(), isBinary);
    this.received.push(message);
    const i = this.#waiters.findIndex((w) => w.match(message));
    if (i >= 0) {
      const [w] = this.#waiters.splice(i, 1);
      w!.resolve(message);
    }
  }

  /** Sends a frame: an object is JSON-encoded, a string or bytes go as they are. */
  send(frame: object | string | Buffer, binary = false): void {
    const data = typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame);
    this.ws.send(data, { binary });
  }

  /** Resolves with the first frame (already received or not) of `type` that satisfies `where`. */
  waitForMessage<T extends ServerMessage['type']>(
    type: T,
    where: (m: ServerMessageOf<T>) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<ServerMessageOf<T>> {
    const match = (m: ServerMessage) => m.type === type && where(m as ServerMessageOf<T>);
    const seen = this.received.findIndex(match);
    if (seen >= 0) return Promise.resolve(this.received.splice(seen, 1)[0] as ServerMessageOf<T>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `no "${type}" frame within ${timeoutMs} ms; got ${JSON.stringify(this.received).slice(0, 500)}`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          this.received.splice(this.received.indexOf(m), 1);
          resolve(m as ServerMessageOf<T>);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Resolves when the socket closes, or rejects after `timeoutMs`. */
  waitForClose(timeoutMs = 5_000): Promise<Closed> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => {
        const t = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs);
        this.closed.then(() => clearTimeout(t));
      }),
    ]);
  }

  /** Opens, sends `connect` and waits for `welcome`. */
  async connect(token?: string): Promise<ServerMessageOf<'welcome'>> {
    await this.opened;
    this.send(token === undefined ? { type: 'connect' } : { type: 'connect', token });
    return this.waitForMessage('welcome');
  }

  /** Subscribes and waits for `subscribed`. */
  async subscribe(topic: string, id: number, extra: object = {}): Promise<ServerMessageOf<'subscribed'>> {
    this.send({ type: 'sub', id, topic, ...extra });
    return this.waitForMessage('subscribed', (m) => m.id === id);
  }

  close(): void {
    this.ws.close();
  }
}

/** Connected test client on `url`. */
export async function connectClient(url: string, token?: string): Promise<TestClient> {
  const c = new TestClient(url);
  await c.connect(token);
  return c;
}
