/**
 * `Connection` and the handlers driven through a recording socket (the `ClientSocket` interface):
 * no network, every frame and close observable.
 */
import {
  type ClientMessage,
  CloseCode,
  decodeServerMessage,
  ErrorCode,
  encodeClientMessage,
  type ServerMessage,
} from '@hubbub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/utils/wait.js';
import { createMemoryBroker } from '../../src/broker/memory.js';
import { Connection } from '../../src/connection/connection.js';
import type { ClientSocket } from '../../src/connection/socket.js';
import type { PreparedFrame } from '../../src/delivery/preframe.js';
import { MAX_HELD_MESSAGES } from '../../src/delivery/replay.js';
import { resolveOptions, type ServerOptions } from '../../src/options.js';
import { HubRuntime } from '../../src/runtime.js';

class RecordingSocket implements ClientSocket {
  writable = true;
  bufferedAmount = 0;
  readonly batch = undefined;
  readonly frames: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  drainWaiters: Array<() => void> = [];
  /** Bytes each write adds to `bufferedAmount` (0: the peer reads at once). */
  bytesPerWrite = 0;

  send(data: string | Uint8Array): void {
    this.frames.push(decodeServerMessage(data));
    this.bufferedAmount += this.bytesPerWrite;
  }
  sendPrepared(frame: PreparedFrame): void {
    this.frames.push(decodeServerMessage(frame.binary ? frame.data : frame.data.toString(), frame.binary));
    this.bufferedAmount += this.bytesPerWrite;
  }
  ping(): void {}
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.writable = false;
  }
  terminate(): void {
    this.closed = { code: 1006, reason: '' };
    this.writable = false;
  }
  onDrain(fn: () => void): void {
    this.drainWaiters.push(fn);
  }
  /** The peer read everything: the buffer is empty and waiters run. */
  drain(): void {
    this.bufferedAmount = 0;
    for (const fn of this.drainWaiters.splice(0)) fn();
  }
  ofType<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.frames.filter((f) => f.type === type) as Extract<ServerMessage, { type: T }>[];
  }
}

const runtimes: HubRuntime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0)) {
    r.stop();
    await r.broker.close();
  }
});

async function setup(options: Partial<ServerOptions> = {}) {
  const errors: Error[] = [];
  const resolved = resolveOptions({ noServer: true, ...options } as ServerOptions);
  const runtime = new HubRuntime(
    resolved,
    createMemoryBroker(),
    {
      connection: () => undefined,
      disconnect: () => undefined,
      error: (err) => errors.push(err),
    },
    'test.',
  );
  runtimes.push(runtime);
  await runtime.start();
  let n = 0;
  const open = async (token?: string) => {
    const socket = new RecordingSocket();
    const conn = new Connection(runtime, socket, `s${n++}`, null, Date.now());
    send(conn, token === undefined ? { type: 'connect' } : { type: 'connect', token });
    await waitFor(
      () => socket.ofType('welcome').length === 1 || socket.closed !== null,
      2_000,
      'welcome or close',
    );
    return { conn, socket };
  };
  return { runtime, open, errors };
}

function send(conn: Connection, message: ClientMessage): void {
  const encoded = encodeClientMessage(message);
  conn.receive(
    typeof encoded === 'string' ? Buffer.from(encoded) : Buffer.from(encoded),
    typeof encoded !== 'string',
  );
}

describe('Connection lifecycle', () => {
  it('moves New -> Open on connect, carrying the identity authenticate returned', async () => {
    const { open } = await setup({
      authenticate: ({ token }) => ({ principal: { t: token }, userId: `u-${token}`, info: { n: 1 } }),
    });
    const { conn, socket } = await open('abc');
    expect(conn.authenticated).toBe(true);
    expect([conn.userId, conn.info, conn.principal]).toEqual(['u-abc', { n: 1 }, { t: 'abc' }]);
    expect(socket.ofType('welcome')[0]).toMatchObject({ sid: conn.sid });
  });

  it('refuses requests before connect and closes after maxMalformedFrames', async () => {
    const { runtime } = await setup({ limits: { maxMalformedFrames: 3 } });
    const socket = new RecordingSocket();
    const conn = new Connection(runtime, socket, 'x', null, Date.now());
    send(conn, { type: 'ping' });
    expect(socket.ofType('pong')).toHaveLength(1);
    for (let id = 1; id <= 3; id++) send(conn, { type: 'sub', id, topic: 't' });
    expect(socket.ofType('error').map((e) => e.code)).toEqual([
      ErrorCode.NotConnected,
      ErrorCode.NotConnected,
      ErrorCode.NotConnected,
    ]);
    expect(socket.closed?.code).toBe(CloseCode.BadRequest);
    expect(conn.closing).toBe(true);
  });

  it('closes a slow consumer with 4509 when its buffer is over maxBufferedBytes', async () => {
    const { runtime, open } = await setup({ limits: { maxBufferedBytes: 1_000 } });
    const { conn, socket } = await open();
    send(conn, { type: 'sub', id: 1, topic: 't' });
    await waitFor(() => socket.ofType('subscribed').length === 1, 2_000, 'subscribed');
    socket.bufferedAmount = 2_000;
    await runtime.broker.publish('t', 1);
    expect(socket.closed?.code).toBe(CloseCode.SlowConsumer);
    expect(runtime.index.subscribers('t')).toBeUndefined();
  });
});

describe('replay through the connection', () => {
  it('paces the replay by the socket drain and then lets go of the held live messages', async () => {
    const { runtime, open } = await setup({
      limits: { maxBufferedBytes: 1_000 },
      history: { size: 100, ttlMs: 60_000 },
    });
    for (let i = 1; i <= 20; i++) await runtime.broker.publish('t', i);
    const { conn, socket } = await open();
    socket.bytesPerWrite = 100;
    send(conn, {
      type: 'sub',
      id: 1,
      topic: 't',
      since: { epoch: (await runtime.broker.read('t', { last: 0 })).epoch, offset: 0 },
    });
    await waitFor(() => socket.ofType('subscribed').length === 1, 2_000, 'subscribed');
    const sentBeforeDrain = socket.ofType('msg').length;
    expect(sentBeforeDrain).toBeLessThan(20);
    expect(socket.drainWaiters).toHaveLength(1);
    await runtime.broker.publish('t', 21);
    await runtime.broker.publish('t', 22);
    while (socket.drainWaiters.length > 0) socket.drain();
    expect(socket.ofType('msg').map((m) => [m.offset, m.replayed === true])).toEqual(
      Array.from({ length: 22 }, (_, i) => [i + 1, i < 20]),
    );
    expect(socket.closed).toBeNull();
    await runtime.broker.publish('t', 23);
    expect(socket.ofType('msg').at(-1)?.offset).toBe(23);
  });

  it('closes with 4509 only when the live messages held during a replay pass their bound', async () => {
    const { runtime, open } = await setup({
      limits: { maxBufferedBytes: 1_000 },
      history: { size: 10, ttlMs: 60_000 },
    });
    for (let i = 1; i <= 10; i++) await runtime.broker.publish('t', i);
    const { conn, socket } = await open();
    socket.bytesPerWrite = 2_000;
    send(conn, { type: 'sub', id: 1, topic: 't', last: 10 });
    await waitFor(() => socket.ofType('subscribed').length === 1, 2_000, 'subscribed');
    for (let i = 0; i < MAX_HELD_MESSAGES; i++) await runtime.broker.publish('t', i);
    expect(socket.closed).toBeNull();
    await runtime.broker.publish('t', 'one too many');
    expect(socket.closed?.code).toBe(CloseCode.SlowConsumer);
  });

  it('stops a replay when the subscription ends', async () => {
    const { runtime, open } = await setup({
      limits: { maxBufferedBytes: 1_000 },
      history: { size: 100, ttlMs: 60_000 },
    });
    for (let i = 1; i <= 20; i++) await runtime.broker.publish('t', i);
    const { conn, socket } = await open();
    socket.bytesPerWrite = 600;
    send(conn, { type: 'sub', id: 1, topic: 't', last: 20 });
    await waitFor(() => socket.ofType('subscribed').length === 1, 2_000, 'subscribed');
    send(conn, { type: 'unsub', id: 2, topic: 't' });
    const before = socket.ofType('msg').length;
    socket.drain();
    expect(socket.ofType('msg')).toHaveLength(before);
    expect(socket.ofType('unsubscribed')).toHaveLength(1);
  });
});
